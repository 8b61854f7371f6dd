import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from workers.pipeline.language import detect_language
from workers.pipeline.normalize import fold, plain_lines


def test_fold_unifies_typography():
    assert fold("\u201cHello\u201d \u2014  World\u00a0\u2019s") == fold('"hello" - world \'s')
    assert fold("ＡＢＣ") == "abc"  # NFKC


# Every kind of whitespace, the characters NFKC turns into spaces, and letters.
SPACEY = st.text(st.sampled_from("ab \n\t\v\f\x1c\x1f\x85\xa0\u2002\u3000\u00a8\u02d8`\u2019é"))


@settings(max_examples=500, deadline=None)
@given(SPACEY)
@example("a\tb\nc")
@example("a\u00a8b")
def test_folding_a_plain_body_line_by_line_skips_no_whitespace(text):
    plain = plain_lines(text)
    for line in text.split("\n"):
        assert fold(line, plain) == fold(line)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Pemerintah mengatakan bahwa harga beras tidak akan naik karena stok masih cukup.", "id"),
        ("Kerajaan berkata bahawa harga beras tidak akan naik kerana stok masih mencukupi.", "ms"),
        ("The minister said on Monday that the plan was approved by the cabinet.", "en"),
        ("El gobierno dijo que los precios de la energía bajarán en el invierno.", "es"),
        (
            "Le gouvernement a annoncé que les prix de l'énergie vont baisser selon le ministre.",
            "fr",
        ),
        ("Die Regierung hat mitgeteilt, dass die Preise für Energie nicht steigen.", "de"),
        ("北京时间周一，中国央行宣布下调存款准备金率。", "zh"),
        ("وقالت الحكومة إن الأسعار ستنخفض في الشتاء", "ar"),
        ("12345 !!! ---", "und"),
        # Short paragraphs: too few function words, so the marker words and py3langid decide.
        ("Polis menahan dua lelaki selepas kemalangan itu.", "ms"),
        ("Polisi menahan dua pria setelah kecelakaan itu.", "id"),
        ("Beliau berkata demikian kepada pemberita di sini.", "ms"),
        ("Ia menegaskan dukungan tersebut belum menjadi penentu.", "id"),
        ("asdf qwer zxcv", "und"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang
