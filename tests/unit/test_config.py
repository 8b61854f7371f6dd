from pathlib import Path

import pytest

from workers.config import Settings
from workers.errors import ConfigError


def test_defaults():
    s = Settings.from_env({})
    assert s.kafka_bootstrap == "127.0.0.1:9092"
    assert s.topics.raw == "news.raw"
    assert s.topics.deadletter == "news.deadletter"
    assert s.store == "rocksdb"


def test_values_are_parsed():
    s = Settings.from_env(
        {
            "NEWSWIRE_KAFKA_BOOTSTRAP": "10.0.0.1:9092, 10.0.0.2:9093",
            "NEWSWIRE_TOPIC_PREFIX": "wire",
            "NEWSWIRE_PARTITIONS": "8",
            "NEWSWIRE_STORE": "Memory",
            "NEWSWIRE_DATA_DIR": "/var/lib/newswire",
            "NEWSWIRE_DEDUPE_RETENTION_HOURS": "1.5",
            "PATH": "/usr/bin",
        }
    )
    assert s.kafka_bootstrap == "10.0.0.1:9092,10.0.0.2:9093"
    assert s.topics.enriched == "wire.enriched"
    assert (s.partitions, s.store, s.data_dir) == (8, "memory", Path("/var/lib/newswire"))
    assert s.dedupe_retention_hours == 1.5


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("NEWSWIRE_KAFKA_BOOTSTRAP", "localhost", "host:port"),
        ("NEWSWIRE_KAFKA_BOOTSTRAP", "localhost:99999", "port"),
        ("NEWSWIRE_METRICS_PORT", "http", "integer"),
        ("NEWSWIRE_METRICS_PORT", "70000", "port"),
        ("NEWSWIRE_PARTITIONS", "0", "positive"),
        ("NEWSWIRE_DEDUPE_MAX_NOVELTY", "1.5", "between 0 and 1"),
        ("NEWSWIRE_STORE", "redis", "rocksdb, memory"),
        ("NEWSWIRE_TOPIC_PREFIX", "bad prefix!", "letters"),
        ("NEWSWIRE_KAFKA_BOOTSTAP", "x:1", "unknown setting"),
    ],
)
def test_bad_settings_name_the_variable(name, value, expected):
    with pytest.raises(ConfigError) as info:
        Settings.from_env({name: value})
    assert name in str(info.value)
    assert expected in str(info.value)


def test_every_setting_is_described():
    described = {name for name, _, _ in Settings.describe()}
    assert "NEWSWIRE_KAFKA_BOOTSTRAP" in described
    assert all(doc for _, _, doc in Settings.describe())


SASL = {
    "NEWSWIRE_KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
    "NEWSWIRE_KAFKA_SASL_MECHANISM": "plain",
    "NEWSWIRE_KAFKA_SASL_USERNAME": "wire",
    "NEWSWIRE_KAFKA_SASL_PASSWORD": "hunter2-secret",
}


def test_security_settings_and_their_client_configs():
    from workers.stream.broker import client_config, faust_credentials

    s = Settings.from_env(SASL)
    assert (s.kafka_security_protocol, s.kafka_sasl_mechanism) == ("SASL_SSL", "PLAIN")
    config = client_config(s, "test")
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_plain_username"] == "wire"
    assert config["ssl_context"] is not None  # system CAs
    credentials = faust_credentials(s)
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.mechanism.value == "PLAIN"
    assert faust_credentials(Settings.from_env({})) is None


def test_the_password_stays_out_of_repr_and_errors():
    s = Settings.from_env(SASL)
    assert "hunter2" not in repr(s)
    with pytest.raises(ConfigError) as error:
        Settings.from_env({**SASL, "NEWSWIRE_KAFKA_SASL_PASSWORD": "   "})
    assert "NEWSWIRE_KAFKA_SASL_PASSWORD" in str(error.value)


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"NEWSWIRE_KAFKA_SASL_USERNAME": None}, "NEWSWIRE_KAFKA_SASL_USERNAME"),
        ({"NEWSWIRE_KAFKA_SASL_PASSWORD": None}, "NEWSWIRE_KAFKA_SASL_PASSWORD"),
        ({"NEWSWIRE_KAFKA_SECURITY_PROTOCOL": "TLS"}, "NEWSWIRE_KAFKA_SECURITY_PROTOCOL"),
        ({"NEWSWIRE_KAFKA_SSL_CAFILE": "/no/such/ca.pem"}, "NEWSWIRE_KAFKA_SSL_CAFILE"),
        ({"NEWSWIRE_KAFKA_SSL_CERTFILE": __file__}, "NEWSWIRE_KAFKA_SSL_KEYFILE"),
    ],
)
def test_incomplete_security_settings_are_refused(change, variable):
    env = {**SASL, **change}
    env = {k: v for k, v in env.items() if v is not None}
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env(env)


def test_the_line_model_can_be_turned_off():
    from workers.pipeline.core import PipelineOptions

    assert PipelineOptions.from_settings(Settings.from_env({})).clean.line_model
    off = Settings.from_env({"NEWSWIRE_LINE_MODEL": "OFF"})
    assert not PipelineOptions.from_settings(off).clean.line_model
    with pytest.raises(ConfigError):
        Settings.from_env({"NEWSWIRE_LINE_MODEL": "maybe"})
