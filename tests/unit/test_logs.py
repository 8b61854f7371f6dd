import logging
import sys

import orjson

from workers.ops.logs import JsonFormatter


def test_json_log_line_carries_level_logger_message_and_exception():
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.LogRecord("newswire", logging.ERROR, "f", 1, "bad %s", ("x",), None)
        record.exc_info = sys.exc_info()
    line = orjson.loads(JsonFormatter().format(record))
    assert line["level"] == "error" and line["logger"] == "newswire"
    assert line["message"] == "bad x"
    assert "ValueError: broken" in line["exception"]
    assert line["time"].endswith("+00:00")
