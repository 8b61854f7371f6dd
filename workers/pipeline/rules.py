"""The boilerplate catalogue: whole-line patterns, each with lines it must and must not cut.

Every pattern is matched against a whole line (``fullmatch``), folded (lower case,
whitespace runs made one space, quotes and dashes straight: so patterns are
written in lower case), and uses only bounded repeats, so no input can make the
regex engine backtrack for long. ``examples`` must match; ``keep`` must not:
``tests/unit`` checks both for every rule, so adding a rule means adding its evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from workers.pipeline.normalize import fold


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: str
    examples: tuple[str, ...]
    keep: tuple[str, ...] = ()
    # A rule whose line can open with anything (its mark is at the end: "... contributed
    # to this report.") is tried only on lines holding one of these strings.
    needles: tuple[str, ...] = ()


_SEP = r"\s*[:\-\u2013\u2014|>]\s*"  # the separator after a teaser label
_TAIL = r".{0,300}"  # the teaser's headline
# Roles a byline names, in the languages of the rules.
_FROM = r"( from [\w .,'\-]{1,60})?"  # where a contributor reported from
_ROLE = (
    r"(editor|penulis|reporter|pewarta|penyunting|kontributor|wartawan|fotografer|redaktur"
    r"|penyelaras|penterjemah|penerjemah)( magang| foto| pelaksana)?"
)
# A line that reports speech ("..., kata dia", "..., he said") is a story's sentence,
# whatever it opens with: the class rules below that take a whole line on its opening
# words refuse one.
_NOT_SPEECH = (
    r"(?!.{0,300}\b(kata|ujar|ucap|tutur|ungkap|jelas|said|says|told|urged|asked|added)\b)"
)

RULES: tuple[Rule, ...] = (
    Rule(
        "id_fewer_ads",
        r"baca berita (dengan|tanpa) (sedikit )?iklan(,?\s*klik\s*di\s*sini)?\W{0,5}",
        (
            "Baca berita dengan sedikit iklan, klik disini",
            "baca berita dengan sedikit iklan, klik di sini.",
            "Baca berita tanpa iklan",
        ),
        ("Kementerian membaca berita itu dan mengklik tautan di sini.",),
    ),
    Rule(
        "id_read_also",
        r"(baca( juga)?|simak( juga)?|lihat juga|tonton juga|saksikan juga|baca selengkapnya"
        r"|artikel terkait|berita terkait)" + _SEP + _TAIL,
        (
            "Baca juga: Harga Minyak Naik Lagi",
            "BACA JUGA - Banjir di Bekasi",
            "Simak juga: video",
            "Tonton juga: Banjir di Bekasi",
        ),
        ("Baca juga laporan lengkapnya besok, kata dia.", "Bacaan itu populer."),
    ),
    Rule(
        "id_editor_pick",
        r"(pilihan editor|rekomendasi editor)" + _SEP + _TAIL,
        ("Pilihan Editor: Harga Emas Cetak Rekor",),
        ("Pilihan editor jatuh pada dua laporan.",),
    ),
    Rule(
        "id_scroll",
        r"(scroll|gulir)( ke bawah)? untuk (melanjutkan|lanjut)( membaca)?\W{0,5}",
        ("SCROLL UNTUK LANJUT", "Scroll ke bawah untuk melanjutkan membaca"),
    ),
    Rule(
        "id_byline",
        # One role or several on a line ("Penulis : A | Editor : B"), and an outlet's
        # photo-and-name credit in brackets ("(Tribunnews.com/Rina Ayu)").
        r"(" + _ROLE + r")(/(" + _ROLE + r"))?\s*:\s*[\w .,'\-]{1,80}"
        r"(\s*[|/,;]?\s*(" + _ROLE + r")\s*:\s*[\w .,'\-]{1,80}){0,3}"
        r"|(edited|written|reported|compiled|translated|produced) by\s*:\s*[\w .,'\-]{1,80}"
        r"|\(\w{2,20}(\.\w{2,4}){1,2}(/[\w .'\-]{1,40}){1,2}\)",
        (
            "Editor: Budi Santoso",
            "Pewarta: Andi",
            "Penulis : Desi Intan Sari | Editor : Ni Nyoman Wira Widyanti",
            "Reporter Magang: Dinda Rahma",
            "Penulis/Editor: Andi Wijaya",
            "Edited by: Jane Doe",
            "(Kabar.com/Andi Wijaya)",
        ),
        (
            "Editor majalah itu mundur pada Senin: ia menolak berkomentar.",
            "(Tempo.co punya cerita sendiri soal itu.)",
        ),
    ),
    Rule(
        "ms_read_also",
        r"(baca lagi|artikel berkaitan|berita berkaitan)" + _SEP + _TAIL,
        ("Artikel berkaitan: Harga minyak naik", "Baca lagi: Banjir di Kelantan"),
    ),
    Rule(
        "ad_marker",
        r"\W{0,3}(advertisement|advertorial|sponsored|iklan|adv|ads|anzeige|werbung|publicidad"
        r"|publicit[eé]|publicidade|pubblicit[aà]|advertentie|إعلان|广告)\W{0,3}",
        (
            "ADVERTISEMENT",
            "- Advertisement -",
            "Iklan",
            "Anzeige",
            "Publicidad",
            "إعلان",
            "ADVERTENTIE",
        ),
        ("Advertisement spending rose 4 percent.",),
    ),
    Rule(
        "en_scroll",
        r"(advertisement\W{0,5})?scroll (down )?to continue( reading| with content)?\W{0,5}",
        ("Scroll to continue with content", "ADVERTISEMENT - SCROLL TO CONTINUE"),
    ),
    Rule(
        "en_read_more",
        r"(read (more|also|next)|related( stories| articles?)?|see also|recommended( reading)?"
        r"|must read|don'?t miss|watch|watch video|go deeper|dig deeper)"
        + _SEP
        + _TAIL
        + r"|don'?t miss (these|more|our) .{1,100}",
        (
            "Read more: Oil climbs on supply fears",
            "Watch: Port strike enters second week",
            "RELATED: Storm hits coast",
            "See also - Markets",
            "Go deeper: Flood waters rise",
            "Don't miss these stories from Harbour Post:",
        ),
        (
            "Read more about the plan in the ministry's report.",
            "Related companies fell 2%.",
            "Watch the video to the end, the coach told his players.",
        ),
    ),
    Rule(
        "en_subscribe",
        r"(subscribe|sign up|register)( now| today| here)?( to| for)\b" + _NOT_SPEECH + r".{0,150}"
        r"\b(newsletters?|updates|alerts|access|digital|unlimited|briefings?|e-?mails?)\b.{0,300}"
        # an offer of a trial: "Try Harbour Post free for 1 month, then ..."
        r"|try " + _NOT_SPEECH + r"[\w .'&\-]{1,60} (for )?free for (\d{1,2}|one|a) (days?|weeks?"
        r"|months?)\b.{0,250}",
        (
            "Subscribe to our newsletter for daily updates",
            "Sign up for breaking news alerts.",
            "Sign up for our free Morning Headlines email for the latest news",
            "Subscribe to KABAR PLUS to get access to 70+ titles and share up to 5 gadgets.",
            "Try Harbour Post free for 1 month, then $9 a year.",
        ),
        (
            "Subscribers to the service rose 10 percent to 4 million.",
            "Sign up for the lottery by Friday, the council said in an email.",
            "Try the new menu for free for a week, the restaurant's owner said.",
        ),
    ),
    Rule(
        "en_click_share",
        r"(click here to (read|subscribe|share|watch|download)|share this (article|story)"
        r"|follow us on)\b.{0,120}",
        ("Click here to read the full story", "Follow us on Twitter and Facebook"),
        ("Users who click here and there spend more, the study found.",),
    ),
    Rule(
        "photo_credit",
        r"\(?((sumber|kredit) (foto|gambar)|(image|photo|picture) (credit|source|courtesy)s?"
        r"|cr[ée]dit(o)? (photo|da foto|de la foto|fotogr[aá]fico)|bildquelle|bildnachweis"
        r"|foto|photo|image|picture|gambar|fotografía|bild|beeld|imagen|imagem)"
        r"\s*:\s*[^\n]{1,150}"
        # an archive or illustration label alone
        r"|\(?(file photo|foto (arsip|dok(umentasi)?|ilustrasi)|foto de archivo|photo d'archives"
        r"|archivfoto|foto di repertorio|archieffoto|foto de arquivo)\)?\W{0,3}",
        (
            "Photo: Reuters/John Doe",
            "(Foto: ANTARA/Rivan Awal)",
            "FOTO: Dok. Humas",
            "Image credit: AFP",
            "Sumber foto: Humas Polda",
            "Crédit photo : AFP",
            "Bildquelle: dpa",
            "Beeld: ANP",
            "Foto di repertorio",
        ),
        (
            "Photographers gathered outside the court on Monday.",
            "Foto-foto banjir itu beredar luas di media sosial.",
        ),
    ),
    Rule(
        "copyright",
        # A sentence may begin "Copyright ..." or "Hak cipta ...": the notice has ©, a
        # year, or the words of the notice.
        r"©.{0,150}|(\(c\)|copyright|hak cipta)\s*(©|\(c\))?\s*(19|20)\d\d\b.{0,150}"
        r"|(copyright|hak cipta)\s*(©|\(c\)).{0,150}"
        r"|copyright (the )?[\w .&'\-]{1,60}\b(limited|ltd|inc|llc|corp(oration)?|plc|l\.p|media"
        r"|group|company|publishing|news|press)\.?,? (19|20)\d\d\W{0,3}"
        r"|(hak cipta|copyright)\W{0,3}(dilindungi|terpelihara|protected)\b.{0,80}"
        # A short line that ends with the notice's words, at its start or after a space
        # (and a bracket or dash). The possessive lookahead fails a long line at once,
        # without giving back its 120 characters one at a time; the space lets the
        # engine step back from space to space, not a character at a time: each cost
        # a fifth of all cleaning.
        r"|(?=.{0,120}+$)(?:.{0,80} )?\W{0,3}(all rights reserved|todos los derechos reservados"
        r"|tous droits r[ée]serv[ée]s"
        r"|alle rechte vorbehalten|todos os direitos reservados|tutti i diritti riservati"
        r"|alle rechten voorbehouden|hak cipta terpelihara)\W{0,5}",
        (
            "© 2024 Reuters. All rights reserved.",
            "Copyright 2024 The Daily Wire",
            "Copyright (c) 2025 Kabar Harian",
            "Copyright © KABAR 2025",
            "Copyright The Harbour Post Limited 2024",
            "Hak Cipta Dilindungi",
            "Hak Cipta Dilindungi Undang-Undang",
            "Hak Cipta Terpelihara",
            "Diario del Sur 2026. Todos los derechos reservados.",
            "Tutti i diritti riservati",
            "Kabar Harian - (All Rights Reserved)",
        ),
        (
            "The copyright dispute went to court in May.",
            "Hak cipta lagu itu kini dipegang oleh ahli waris sang pencipta.",
            "Copyright lawyers said the ruling would be appealed.",
        ),
    ),
    Rule(
        "es_read_also",
        r"(lee también|lea también|te puede interesar|relacionado|más información"
        r"|noticias? relacionadas?)" + _SEP + _TAIL,
        (
            "Lee también: El peso cae frente al dólar",
            "Te puede interesar - Elecciones",
            "Noticia relacionada: Sube el paro",
        ),
    ),
    Rule(
        "fr_read_also",
        r"(à lire aussi|lire aussi|voir aussi|sur le même sujet)" + _SEP + _TAIL,
        ("Lire aussi : La grève continue", "À lire aussi - Le franc"),
    ),
    Rule(
        "de_read_also",
        r"(lesen sie auch|lesen sie mehr|mehr zum thema|auch interessant"
        r"|das k[öo]nnte sie auch interessieren)" + _SEP + _TAIL,
        (
            "Lesen Sie auch: Die Bahn streikt",
            "Mehr zum Thema - Energie",
            "Das könnte Sie auch interessieren: Streik bei der Bahn",
        ),
    ),
    Rule(
        "pt_read_also",
        r"(leia também|leia mais|veja também|saiba mais)" + _SEP + _TAIL,
        ("Leia também: Dólar fecha em alta", "Saiba mais - Eleições"),
    ),
    Rule(
        "it_read_also",
        r"(leggi anche|potrebbe interessarti|approfondisci|vedi anche)" + _SEP + _TAIL,
        ("Leggi anche: Borsa, Milano chiude in rialzo", "Potrebbe interessarti - Il meteo"),
        ("Leggi anche il rapporto completo, ha detto il ministro.",),
    ),
    Rule(
        "nl_read_also",
        r"(lees ook|lees meer|zie ook|bekijk ook|meer over dit onderwerp)" + _SEP + _TAIL,
        ("Lees ook: Kabinet valt over migratie", "Zie ook - Beurs", "Bekijk ook: Files op de A12"),
        ("Lees ook het rapport, zei de minister.",),
    ),
    Rule(
        "share_on",
        # "Share on Facebook / Twitter", in the languages of the wires newswire reads.
        r"(share on|bagikan( ke)?|kongsi( di)?|compartir( en)?|partager( sur)?|teilen( auf)?"
        r"|compartilhar( no)?|compartilhe|condividi( su)?|delen( op)?|deel( op)?)\W{0,3}"
        r"(facebook|twitter|x|whatsapp|telegram|linkedin|e-?mail)"
        r"([ ,/|]{1,5}(facebook|twitter|x|whatsapp|telegram|linkedin|e-?mail)){0,6}\W{0,3}",
        (
            "Share on Facebook / Twitter / WhatsApp",
            "Bagikan ke WhatsApp",
            "Partager sur Twitter",
            "Compartir en Facebook",
            "Condividi su LinkedIn",
        ),
        ("Shares on Facebook fell 3 percent.", "Bagikan ke warga, kata lurah itu."),
    ),
    Rule(
        "es_subscribe",
        r"(suscr[ií]bete|reg[ií]strate|hazte socio)\b.{0,80}"
        r"\b(newsletter|bolet[ií]n|noticias|acceso|ilimitado)\b.{0,80}",
        ("Suscríbete a nuestro boletín y recibe las noticias del día",),
        ("Los suscriptores del servicio aumentaron un 10 por ciento.",),
    ),
    Rule(
        "fr_subscribe",
        r"(abonnez[- ]vous|inscrivez[- ]vous)\b.{0,80}\b(newsletter|lettre|alertes|acc[eè]s|offre)"
        r"\b.{0,80}",
        ("Abonnez-vous à notre newsletter", "Inscrivez-vous pour recevoir nos alertes"),
        ("Les abonnés du service ont augmenté de 10 %.",),
    ),
    Rule(
        "de_subscribe",
        r"(abonnieren sie|jetzt abonnieren|melden sie sich)\b.{0,80}"
        r"\b(newsletter|zugang|angebot|digital)\b.{0,80}",
        ("Abonnieren Sie unseren Newsletter", "Jetzt abonnieren und digital weiterlesen"),
        ("Die Zahl der Abonnenten stieg um 10 Prozent.",),
    ),
    Rule(
        "pt_subscribe",
        r"(assine|inscreva-se|cadastre-se)\b.{0,80}\b(newsletter|boletim|not[ií]cias|acesso)"
        r"\b.{0,80}",
        ("Assine a nossa newsletter e receba as notícias do dia",),
        ("Os assinantes do serviço subiram 10%.",),
    ),
    Rule(
        "listen_to_article",
        r"(dengarkan (artikel|berita) ini|listen to (this|the) (article|story)"
        r"|esc[uú]cha(r)? (este|el) art[ií]culo|[ée]couter (cet|l') ?article"
        r"|ou[çc]a (esta|a) (not[ií]cia|mat[ée]ria)|artikel (vorlesen( lassen)?|anh[öo]ren)"
        r"|ascolta (l'|questo )?articolo|luister naar (dit|het) artikel)"
        r"\W{0,5}(\d{1,2} ?min\W{0,3})?",
        (
            "Dengarkan artikel ini",
            "Listen to this article (4 min)",
            "Écouter cet article",
            "Ouça esta notícia",
            "Artikel vorlesen lassen",
            "Escucha este artículo",
        ),
        ("Listen to this article's critics, the minister said, and you will hear doubts.",),
    ),
    Rule(
        "continue_reading",
        # The "read on" prompt of a page, alone on its line (with the ad label it follows).
        r"((advertisement|publicidade|publicidad|iklan|anzeige|werbung)\W{1,5})?"
        r"(continue reading|continue lendo( abaixo)?|story continues below( advertisement)?"
        r"|lire la suite|lesen sie (hier )?weiter|weiterlesen|sigue leyendo|contin[uú]a leyendo"
        r"|continua a leggere|lees verder|halaman (selanjutnya|berikutnya)|baca selengkapnya"
        r"|lanjut baca|gulir ke bawah untuk (melanjutkan|lanjut)( membaca)?|lanjutkan membaca"
        r"|story continues|teruskan membaca|read (the )?full (story|article))\W{0,5}",
        (
            "Continue reading",
            "Story continues below advertisement",
            "PUBLICIDADE - CONTINUE LENDO ABAIXO",
            "Lire la suite",
            "Lesen Sie hier weiter",
            "Lees verder",
            "Halaman selanjutnya",
            "Iklan - Gulir ke bawah untuk melanjutkan",
            "Lanjutkan Membaca",
            "Story continues",
        ),
        ("Continue reading the fine print, the regulator urged investors.",),
    ),
    Rule(
        "follow_us",
        r"(ikuti kami di|s[ií]guenos en|suivez-nous sur|folgen sie uns (auf|bei)"
        r"|siga-nos n[oa]s?|seguici su|segui il nostro canale|volg ons op)\b.{0,60}"
        r"\b(instagram|x|twitter|facebook|whatsapp|telegram|youtube|tiktok|linkedin|threads"
        r"|google news)\b.{0,40}",
        (
            "Síguenos en Instagram y X",
            "Suivez-nous sur Instagram",
            "Folgen Sie uns auf Instagram",
            "Segui il nostro canale WhatsApp",
            "Volg ons op Instagram",
            "Seguici su Facebook",
        ),
        ("Volg de aanwijzingen van de politie op, zei de burgemeester.",),
    ),
    Rule(
        "newsletter",
        r"(schrijf je in|meld je aan|iscriviti|langgan|sign up|subscribe|inscr[ií]bete"
        r"|inscreva-se)\b.{0,40}\b(nieuwsbrief|newsletter|surat berita|bolet[ií]n)\b.{0,80}"
        r"|newsletter sign[- ]?up\W{0,3}|(want|get) more (stories|news) like this\W{0,3}.{0,60}"
        r"|get (the latest|our|the best) .{0,40}(delivered to|straight to|in) your inbox\W{0,3}",
        (
            "Schrijf je in voor onze nieuwsbrief",
            "Iscriviti alla newsletter per ricevere le notizie del giorno",
            "Langgan surat berita kami untuk berita terkini",
            "Newsletter sign-up",
            "Get the latest news delivered to your inbox",
            "Want more stories like this? Sign up here.",
        ),
        ("Iscriviti entro venerdì per partecipare al concorso, ricorda il comune.",),
    ),
    Rule(
        "id_watch",
        # A line that opens inviting to watch is the embed's caption.
        r"(simak|tonton|saksikan)( juga)? (video|foto|galeri|live streaming)\b"
        + _NOT_SPEECH
        + r".{0,200}|lihat (foto|video|galeri)\W{0,3}",
        (
            "Simak video selengkapnya di bawah ini",
            "Tonton video penuh di saluran YouTube kami",
            "Lihat Foto",
            'Simak Video "Detik-detik Banjir Bandang Terjang Permukiman"',
            "Simak juga video pilihan berikut ini:",
        ),
        (
            "Video rekaman kejadian itu diserahkan ke penyidik pada Selasa.",
            "Tonton video itu sampai habis, kata pelatih kepada para pemain.",
        ),
    ),
    Rule(
        "id_click_here",
        r"klik (di ?sini|link ini|tautan ini)\b.{0,80}",
        ("Klik di sini untuk membaca berita lainnya", "Klik disini"),
        ("Klik tombol darurat di aplikasi itu jika merasa terancam, kata polisi.",),
    ),
    Rule(
        "originally_published",
        # The syndication note: where the story appeared first.
        r"this (article|story) (was )?(originally|first) (published|appeared) (on|in|by) .{1,100}"
        r"|(berita|artikel) ini (telah )?(tayang|terbit|dimuat|diterbitkan) (di|pada|oleh) .{1,200}"
        r"|(este|esta) (art[ií]culo|nota) (fue|se) publicad[oa] (originalmente |primero )?en"
        r" .{1,100}"
        r"|cet article a (d'abord |initialement )?[ée]t[ée] publi[ée] .{1,100}"
        r"|dieser (artikel|beitrag) erschien (zuerst|urspr[üu]nglich) .{1,100}"
        r"|este artigo foi (originalmente )?publicado (em|no|na|pel[oa]) .{1,100}"
        r"|questo articolo [èe] stato pubblicato .{1,100}"
        r"|dit artikel verscheen (eerder|eerst|oorspronkelijk) .{1,100}"
        # the republisher's pointer back: "Read the original article on ...", "This
        # article is republished from ...", WordPress's "The post ... appeared first on
        # ...", detikcom's "Baca artikel detiknews, "..." selengkapnya https://..."
        r"|read the original (article|story|post)\b.{0,150}"
        r"|this (article|story|post) (is|was|has been) republished (from|with) .{1,200}"
        r"|the post .{1,200} appeared first on .{1,100}"
        r"|baca artikel [\w.]{1,30},? \".{1,200}\" selengkapnya\b.{0,200}"
        r"|artikel ini (disiarkan|diterbitkan|dikemas ?kini) pada\s*:?.{1,80}",
        (
            "This article was originally published on Harbour Post.",
            'Berita ini telah tayang di Kabar.com dengan judul "Harga Naik"',
            "Dieser Artikel erschien zuerst bei der Rheinbote.",
            "Read the original article on Harbour Post",
            "This article is republished from Harbour Post under a Creative Commons license.",
            "The post Banjir di Bekasi appeared first on Kabar Harian.",
            'Baca artikel kabarnews, "Banjir di Bekasi" selengkapnya https://kabar.example/1',
            "Artikel ini disiarkan pada : Isnin, 1 Januari 2024 @ 10:00 AM",
        ),
        (
            "This story first appeared to be a rumour, officials said, until the court ruled.",
            "Berita itu tayang pada Senin, kata juru bicara.",
        ),
    ),
    Rule(
        "sponsored",
        r"\W{0,3}((sponsored|paid|partner|promoted) (content|post|story|article)( by .{1,60})?"
        r"|konten (bersponsor|berbayar|kerja sama)|contenido (patrocinado|promocionado)"
        r"|contenu (sponsoris[ée]|partenaire)|conte[úu]do (patrocinado|de marca)"
        r"|(articolo|contenuto) sponsorizzato|gesponsorde (inhoud|content)"
        r"|gesponsert(er)? (inhalt|beitrag))\W{0,3}",
        (
            "Sponsored content",
            "Paid post by Acme Bank",
            "Konten bersponsor",
            "Contenu sponsorisé",
            "Articolo sponsorizzato",
            "Gesponsorde inhoud",
        ),
        ("Sponsored content on social media is now regulated, the minister said.",),
    ),
    Rule(
        "widget_heading",
        # The heading of a most-read, trending or latest-news box, alone or with one item.
        r"(trending( now)?|most (read|popular|viewed|shared)|popular now|top stories"
        r"|latest (news|stories|videos)|our latest videos|editor'?s picks?|terpopuler"
        r"|berita (terpopuler|terkini|populer|pilihan)|paling banyak dibaca|video terbaru"
        r"|lo m[aá]s le[ií]do|[úu]ltimas noticias|[úu]ltimos v[ií]deos|les plus lus"
        r"|nos derni[èe]res vid[ée]os|derni[èe]res (infos|actualit[ée]s)|meistgelesen"
        r"|neueste videos|mais lidas|[úu]ltimas not[ií]cias|i pi[uù] letti|le ultime notizie"
        r"|ultimi video|meest gelezen|laatste nieuws|laatste video'?s|berita terkait"
        r"|artikel terkait|you (may|might) also like|recommended for you|read next|up next"
        r"|related coverage|explore more( on these topics)?|more on (this|these) (story|topics?)"
        r"|next article|artikel selanjutnya|berita selanjutnya|rekomendasi untuk anda)"
        r"(" + _SEP + _TAIL + r"|\W{0,3})"
        r"|(next article|artikel selanjutnya|berita selanjutnya) .{1,200}",
        (
            "Trending now",
            "Most read: Oil slips again",
            "Berita Terpopuler",
            "Lo más leído",
            "Nos dernières vidéos",
            "Meistgelesen",
            "Le ultime notizie: Borsa in rialzo",
            "Meest gelezen",
            "Berita Terkait",
            "Explore more on these topics",
            "Next Article: Harga Emas Turun",
        ),
        ("Most read newspapers lost readers in 2025, the survey found.",),
    ),
    Rule(
        "back_to_top",
        r"(back to (top|home(page)?)|zur startseite|zur[üu]ck (nach oben|zur startseite)"
        r"|kembali ke (atas|beranda)|volver (arriba|al inicio)|retour (en haut|[àa] l'accueil)"
        r"|voltar (ao topo|ao in[ií]cio)|torna (su|alla home)|terug naar (boven|home))\W{0,3}",
        ("Back to top", "Zur Startseite", "Kembali ke atas", "Terug naar boven"),
        ("Back to top form, the striker scored twice on Sunday.",),
    ),
    Rule(
        "id_dont_miss",
        r"jangan (lewatkan|sampai ketinggalan) (berita|artikel|informasi|video|update)\b.{0,100}",
        ("Jangan lewatkan berita menarik lainnya hanya di sini",),
        ("Jangan lewatkan kesempatan ini, kata menteri kepada para petani.",),
    ),
    Rule(
        "desk_initials",
        # The desk's and editor's initials that close a story: Indonesian outlets in
        # brackets (detikcom, CNN Indonesia, CNBC Indonesia), AFP as a slug.
        # Sindonews and Merdeka print one set alone, Merdeka in square brackets. An
        # agency's name in brackets is a credit line (cleaning lifts it first).
        r"[(\[][a-z]{2,5}(/[a-z]{2,5}){1,3}[)\]]|[(\[][a-z]{3,5}[)\]]"
        r"|[a-z]{2,5}(-[a-z]{2,5}){1,4}/[a-z]{2,5}",
        ("(rdp/imk)", "(ugo/agt)", "(dce/dce)", "bur-dar-gl/fz", "sct-jd/rox", "(dam)", "[bal]"),
        ("USD/IDR", "Kurs (USD/IDR) melemah 0,5 persen pada Senin.", "(Bersambung ke halaman 2)"),
    ),
    Rule(
        "wire_trust_notice",
        # Reuters closes every story on its site with it.
        r"our standards\s*:.{0,80}",
        ("Our Standards: The Thomson Reuters Trust Principles.",),
        ("Our standards have not changed, the editor said.",),
    ),
    Rule(
        "wire_contributed",
        # AP's, CNN's and the agencies' closing line naming who else reported.
        r"\(?(the )?(associated press|ap|reuters|afp|cnn|bbc|bloomberg|nbc news|abc news)('s)?"
        r"( .{1,120})? contributed (to )?this (report|story|article)" + _FROM + r"\W{0,3}\)?"
        r"|.{1,150}\b(writers?|reporters?|correspondents?) .{1,100} contributed (to )?this"
        r" (report|story|article)" + _FROM + r"\W{0,3}\)?"
        # "Associated Press writer Jill Lawless in London contributed."
        r"|\(?.{0,80}\b(writers?|reporters?|correspondents?|journalists?|staff)\b .{1,120}"
        r" contributed( reporting)?\W{0,3}\)?"
        r"|contributing\s*:.{1,150}",
        (
            "Associated Press writer Edith M. Lederer at the United Nations contributed to"
            " this report.",
            "CNN's Jane Doe and John Roe contributed to this report.",
            "(AP writer Sam Metz contributed to this story.)",
            "The Associated Press contributed to this report.",
            "Associated Press writer Jill Lawless in London contributed.",
            "Contributing: John Roe, Harbour Post",
            "AP Business Writer Jane Doe contributed to this report from New York.",
        ),
        (
            "Reuters reporters who contributed to this report were later detained in the capital.",
            "Two other writers contributed.",
        ),
        needles=("contributed to this", "contributed reporting", "contributed.", "contributing:"),
    ),
    Rule(
        "wire_assistance",
        # "--With assistance from ..." (Bloomberg), "(With inputs from PTI)".
        r"(-{1,2} ?|\()with (additional )?(assistance|inputs?|reporting) from .{1,150}"
        r"|with inputs? from [\w .,&/\-]{1,60}",
        ("--With assistance from Jane Doe.", "(With inputs from agencies)"),
        ("With assistance from the army, the villagers rebuilt the bridge in a week.",),
    ),
    Rule(
        "wire_follow_coverage",
        # AP's pointer to its topic hub at the end of a story.
        r"(follow|find|read|see) (more (of )?)?(ap|the associated press)('s)?"
        r" .{0,80}\bcoverage\b.{0,150}",
        (
            "Follow AP's coverage of the war at https://apnews.com/hub/russia-ukraine",
            "Find more of AP's climate coverage at https://apnews.com/hub/climate",
        ),
        ("Follow AP's lead, the minister told rival broadcasters.",),
    ),
    Rule(
        "embed_marker",
        # Where a page had a video or a post embedded: detikcom's and CNN Indonesia's
        # "[Gambas:...]", feeds' "[embedded content]".
        r"\[(gambas|embed(ded)?( content)?|video|iframe)\b[^\]]{0,80}\]",
        ("[Gambas:Video 20detik]", "[Gambas:Video CNN]", "[embedded content]"),
        ("[Video] Banjir rendam Jakarta, kata BPBD pada Senin.",),
    ),
    Rule(
        "wire_staff_credit",
        # The wire's staff line at the end of a story.
        r"((additional )?reporting|writing|editing) by [^;\n]{1,80}"
        r"(;\s*((additional )?reporting|writing|editing) by [^;\n]{1,80}){0,3}\W{0,3}",
        (
            "Reporting by Ananda Teresia; Editing by Kim Coghill",
            "Writing by Jane Roe",
        ),
        ("Reporting on the case has been restricted by a court order.",),
    ),
    Rule(
        "channel_invite",
        # An invitation to follow the outlet on a platform: a line that opens with the
        # invitation and names the platform (Kompas's, Okezone's, Tribun's, IDN Times',
        # The Straits Times', The Star's lines).
        r"(jangan lupa |click here to |klik di ?sini untuk )?"
        r"((ikuti|follow|gabung|bergabung(lah)?|join|sertai|langgan|get|subscribe"
        r"|stay (updated|informed|connected|current|tuned))(?!-)\b"
        r"|(simak|dapatkan|cek|baca)( juga)? (breaking news|berita|artikel|update|informasi|info"
        r"|kabar|notifikasi)\b)"
        + _NOT_SPEECH
        + r".{0,300}\b(google news|whatsapp|wa channel|telegram|instagram|facebook|twitter"
        r"|tiktok|youtube|threads|linkedin|line today|klik di ?sini|click here)\b.{0,300}",
        (
            "Baca berita lainnya di Google News",
            "Follow Kabar Harian di Google News untuk mendapatkan berita terbaru",
            "Dapatkan informasi terkini setiap hari dengan bergabung di Channel WhatsApp Kabar",
            "Join our WhatsApp Channel and get the latest news and must-reads.",
            "Sertai saluran Telegram kami untuk berita terkini",
            "Follow Harbour Post on Facebook, X and Instagram.",
            "Stay current with Harbour Post on WhatsApp, Google News and Telegram",
            "Click here to get the latest news updates from Harbour Post on Google News",
            "Dapatkan berita terkini hanya dengan satu akun, daftar sekarang dengan klik disini",
            "Ikuti berita terkini dari kami di Google News",
            "Dapatkan update berita pilihan di WhatsApp Channel",
        ),
        (
            "Ikuti aturan lalu lintas, kata polisi dalam unggahan di Instagram.",
            "Baca pesan yang beredar di WhatsApp itu dengan teliti sebelum membagikannya.",
            "Follow-up questions on Facebook went unanswered for days.",
            "Ikuti perkembangan sidang itu, kata hakim.",
            "Ikuti kami, kata pemimpin itu kepada penyokong.",
        ),
    ),
    Rule(
        "app_invite",
        # An invitation to install the outlet's app, alone or closing a promotion.
        r"(click here to |please )?(download|unduh|install|pasang|get)\b"
        + _NOT_SPEECH
        + r".{0,60}\b(app|apps|aplikasi)\b.{0,200}",
        (
            "Download Apps Kabar Sekarang https://apps.kabar.example/",
            "CLICK HERE TO GET THE HARBOUR POST APP",
            "Download our app or subscribe to our Telegram channel for the latest updates",
        ),
        (
            "Residents should download the app before Friday, the ministry said.",
            "More than two million people download the app each month.",
        ),
    ),
    Rule(
        "sign_up_here",
        # A promotion that ends "Sign up here." (Reuters' newsletters).
        r".{1,250}[.!] (sign up|subscribe|register)( here| now)\W{0,3}"
        r"|.{1,250}[.!:] (you can )?sign up( here)? (for|to) .{0,80}\bnewsletters?\b.{0,100}",
        (
            "The Daily Briefing newsletter has all the news you need to start your day."
            " Sign up here.",
            "While you're here: editors round up the week. You can sign up here for the"
            " weekly email newsletter Harbour Briefing.",
        ),
        ("Voters must register here, in the town hall, the mayor said.",),
        needles=("sign up", "subscribe here", "subscribe now", "register here"),
    ),
    Rule(
        "correction_notice",
        # Corrections, amendments and update notes, and the print-edition note.
        r"(correction|clarification|editor'?s note|update\b.{0,40}|catatan redaksi|ralat"
        r"|koreksi)\s*:\s*(an? |the )?(earlier|previous|this|artikel|berita|judul)\b.{0,300}"
        r"|(an earlier|a previous) version of this (article|story|report)\b.{0,300}"
        r"|this (article|story|report|post) (was|has been|is being) (amended|updated|corrected"
        r"|edited|changed)\b.{0,300}"
        r"|(artikel|berita) ini (telah )?(diperbarui|diralat|dikoreksi|mengalami perubahan)"
        r"\b.{0,200}"
        r"|\((updates?|adds|corrects|recasts|rewrites|refiles) (with|to|throughout|paragraph"
        r"|headline|byline|details|comments?|quotes?|background|\w+ in)\b.{0,150}\)"
        r"|(a version of )?this (article|story) appear(s|ed) (in print|in .{1,80}\bprint edition)"
        r"\b.{0,300}",
        (
            "Correction: An earlier version of this article misstated the date.",
            "This article was amended on 3 May 2024 to correct a name.",
            "This story has been updated with additional developments.",
            "(Updates with analyst comment in third paragraph)",
            "Update 5/3/24, 10:15 a.m. ET: This article was updated with more details.",
            "A version of this article appears in print on May 3, 2024, Section A, Page 1.",
            "This article appeared in the Harbour Post print edition as: Floods hit Jakarta",
            "Catatan redaksi: Artikel ini telah diperbarui dengan keterangan polisi.",
        ),
        (
            "Correction of the fault took the engineers two days.",
            "The report was updated by the ministry on Monday, officials said.",
            "(Updates are expected next week.)",
        ),
    ),
    Rule(
        "syndication_notice",
        # Notices of agencies and their partners: AP's funders, PTI copy's feed note,
        # ANTARA's ban on crawling.
        r"(the )?associated press receives (financial )?support from .{1,300}"
        r"|dilarang (keras )?(mengambil|mengutip|menyalin|memperbanyak|menyiarkan)\b"
        + _NOT_SPEECH
        + r".{0,300}"
        r"\b(tanpa izin|izin tertulis)\b.{0,120}",
        (
            "The Associated Press receives support from a foundation for its coverage."
            " The AP is solely responsible for all content.",
            "Dilarang keras mengambil konten di situs ini tanpa izin tertulis dari Kabar.",
        ),
        ("Dilarang mengambil foto di area ini tanpa izin, kata petugas keamanan.",),
    ),
    Rule(
        "syndication_end",
        # The same notices known by their end: "... is solely responsible for all
        # content.", PTI copy's "... auto-generated from a syndicated feed.)".
        r".{0,300}\b(is|are) solely responsible for (all|the) content\W{0,3}"
        r"|\(?.{0,250}\bsyndicated feed\W{0,3}\)?",
        (
            "Funded by a foundation. The AP is solely responsible for all content.",
            "(This story has not been edited by Harbour Post staff and is auto-generated"
            " from a syndicated feed.)",
            "(Except for the headline, this story has not been edited by Harbour Post staff"
            " and is published from a syndicated feed.)",
        ),
        ("Editors are solely responsible for the content of their pages, the court ruled.",),
        needles=("solely responsible", "syndicated feed"),
    ),
    Rule(
        "tags_line",
        # The page's tags or keywords, printed under the story.
        r"(tags?|tagar|topik|topics?|keywords?|kata kunci)\s*:\s*.{0,250}",
        ("Tags: Keywords: floods, Jakarta, BNPB", "Topik: banjir, Bekasi", "Kata kunci: pemilu"),
        ("Topik utama rapat itu, katanya, adalah anggaran banjir.",),
    ),
    Rule(
        "sign_off",
        # An outlet's sign-off, its name after a dash ("- Rappler.com", "-- Kabar.com").
        r"[\-=]{1,3} ?[\w\-]{2,30}(\.[a-z]{2,4}){1,2}\W{0,3}",
        ("- Rappler.com", "-- Kabar.co.id"),
        ("- 3.5 persen", "- Presiden.", "Jakarta.com"),
    ),
    Rule(
        "contact_address",
        # A reporter's address alone on a line (Yonhap's "reporter@yna.co.kr").
        r"[\w.+\-]{1,40}@[\w\-]{1,40}(\.[\w\-]{1,20}){1,3}",
        ("reporter@kabar.co.id",),
        ("Kirim ke redaksi@kabar.co.id paling lambat Jumat, kata panitia.",),
        needles=("@",),
    ),
    Rule(
        "source_line",
        # "Sumber : Antara" with an outlet that is not a wire agency (those are lifted
        # into `credit`), "Source: ... and news agencies".
        r"(sumber|source|sources|fuente|quelle|fonte)\s*:\s*[\w.&/()\-]{1,30}"
        r"(,? [\w.&/()\-]{1,30}){0,6}",
        ("Sumber : Kabar Harian", "Source: Harbour Post and news agencies"),
        ("Sumber: polisi mengatakan dua orang ditahan, dan seorang lagi masih dicari.",),
    ),
)

# Matched against the folded line (lower case, one space, straight quotes and dashes):
# no IGNORECASE, which costs a third of the time here. A line is tried only against
# the rules its first two characters leave possible (the `regex` module's partial
# match tells which): most lines open as no rule can, and trying all 30-odd
# alternatives on every line was most of the cleaning time.
# Rules that can open anywhere are tried by needle; the rest by their opening.
_NEEDLED = [(rule.needles, re.compile(rule.pattern), rule.name) for rule in RULES if rule.needles]
_NEEDLES = tuple({n for needles, _, _ in _NEEDLED for n in needles})
_OPENING = [rule for rule in RULES if not rule.needles]
_PARTIAL = [regex.compile(rule.pattern) for rule in _OPENING]
_NAMES = {f"r{i}": rule.name for i, rule in enumerate(_OPENING)}
_BY_PREFIX: dict[str, re.Pattern[str] | None] = {}
_BY_RULES: dict[tuple[int, ...], re.Pattern[str] | None] = {}
_MAX_PREFIXES = 20_000  # two-character openings remembered (then looked up each time)
_UNSEEN = re.compile("")  # an opening not remembered


def _alternation(prefix: str) -> re.Pattern[str] | None:
    """The rules a line opening with `prefix` can match, as one pattern (None: none can)."""
    viable = tuple(i for i, rx in enumerate(_PARTIAL) if rx.fullmatch(prefix, partial=True))
    if viable not in _BY_RULES:
        alt = "|".join(f"(?P<r{i}>{_OPENING[i].pattern})" for i in viable)
        _BY_RULES[viable] = re.compile(alt) if alt else None
    if len(_BY_PREFIX) < _MAX_PREFIXES:
        _BY_PREFIX[prefix] = _BY_RULES[viable]
    return _BY_RULES[viable]


def has_needles(text: str) -> bool:
    """Whether `text` (lower case: a whole body, looked at once) holds any needle: if
    not, no line of it needs the rules that can open anywhere."""
    return any(needle in text for needle in _NEEDLES)


def match_folded(folded: str, needled: bool = True) -> str | None:
    """Name of the rule that matches the whole folded line (`normalize.fold`), or None.
    `needled` False: the line's body holds no needle (`has_needles`)."""
    prefix = folded[:2]
    pattern = _BY_PREFIX.get(prefix, _UNSEEN)
    if pattern is _UNSEEN:
        pattern = _alternation(prefix)
    m = pattern.fullmatch(folded) if pattern is not None else None
    if m is not None and m.lastgroup is not None:
        return _NAMES[m.lastgroup]
    if not needled or not any(needle in folded for needle in _NEEDLES):
        return None
    for needles, rx, name in _NEEDLED:
        if any(needle in folded for needle in needles) and rx.fullmatch(folded):
            return name
    return None


def match_rule(line: str) -> str | None:
    """Name of the rule that matches the whole line, or None."""
    return match_folded(fold(line))


# Wire agencies, for credit lines ("REUTERS", "(AP)") and datelines ("JAKARTA (Reuters) -").
AGENCIES = (
    r"reuters|ap|afp|antara|antaranews|bernama|xinhua|dpa|efe|kyodo|yonhap|upi|ansa|anadolu"
    r"|tass|aap|pti|ani|bloomberg"
)
# A credit line is short: five agencies with a label ("Source: Bloomberg / Antaranews /
# Reuters / Xinhua / Kyodo") are 66 characters. Longer lines are not tried (the
# pattern's case-blind alternatives cost a tenth of cleaning's work, tried on every line).
CREDIT_MAX = 90
CREDIT_LINE = re.compile(
    rf"(?:[\-=]{{1,2}}\s*)?(?:(?:sumber|source|fuente|quelle|fonte)\s*:\s*)?\(?(?P<credit>(?:{AGENCIES})"
    rf"(?:\s*[/|,&]\s*(?:{AGENCIES})){{0,4}})\)?\.?",
    re.IGNORECASE,
)
# Capitals, Latin-1 included ("GENÈVE", "MÜNCHEN", "BOGOTÁ").
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de"
DATELINE = re.compile(
    # Labels that open a line the way a place does, but are not one.
    r"(?!(?:BREAKING|UPDATE|EXCLUSIVE|WATCH|LIVE|VIDEO|FOTO|PHOTO|NOTE|CATATAN)\b)"
    r"(?P<dateline>"
    # outlet with a domain: "TEMPO.CO, Jakarta -"
    r"[A-Z][\w]{1,30}(?:\.[A-Za-z]{2,4}){1,2},\s+[A-Z][\w .']{1,40}?"
    # place in capitals, optional date, agency in brackets: "JAKARTA, June 21 (Reuters) -",
    # "SEVILLA, 22 (EFE) -"
    rf"|[{_UP}][{_UP} .'\-]{{1,40}}?"
    r"(?:,\s+(?:[A-Z][a-z]{2,9}\.? \d{1,2}|\d{1,2}(?: [A-Za-z]{3,9}\.?)?))?"
    r"\s+\((?P<credit>[A-Za-z][\w .&]{1,30})\)"
    # place in capitals, optional outlet or date: "JAKARTA, KOMPAS.com -", "SEOUL -",
    # "MANILA, Sept. 2 -"
    rf"|[{_UP}]{{3,}}(?:[ .][{_UP}]{{2,}}){{0,3}}(?:,\s+[\w.]{{1,30}}(?: [\w.]{{1,30}}){{0,2}})?"
    # then a dash, or a colon ("KUALA LUMPUR: ")
    r")(?:\s+[-\u2013\u2014]{1,2}\s+|\s*:\s+)"
)
