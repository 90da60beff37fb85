"""Configuration from the environment."""

import pytest

from incubator.config import ConfigurationError, Settings


def test_defaults_are_sqlite_under_var_with_a_busy_timeout(tmp_path):
    settings = Settings.from_env({"INCUBATOR_DATA_DIR": str(tmp_path)})
    assert settings.database_url.startswith("sqlite://")
    assert str(tmp_path.resolve()) in settings.database_url and "busy_timeout=" in settings.database_url
    assert settings.timezone == "Asia/Shanghai" and settings.run_scheduler
    assert (settings.session_idle_minutes, settings.session_absolute_hours) == (120, 12)


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path):
    first = Settings.from_env({"INCUBATOR_DATA_DIR": str(tmp_path)})
    second = Settings.from_env({"INCUBATOR_DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("key", ["", "short", "a" * 64])
def test_production_refuses_a_missing_or_weak_key(tmp_path, key):
    with pytest.raises(ConfigurationError):
        Settings.from_env({"INCUBATOR_ENV": "production", "INCUBATOR_SECRET_KEY": key,
                           "INCUBATOR_DATA_DIR": str(tmp_path)})


def test_production_accepts_a_strong_key(tmp_path):
    settings = Settings.from_env({"INCUBATOR_ENV": "production", "INCUBATOR_DATA_DIR": str(tmp_path),
                                  "INCUBATOR_SECRET_KEY": "Zx8-kq2LmN4pR7sT1vW3yA5bC6dE9fG0hJ"})
    assert settings.production


def test_postgresql_urls_are_accepted_in_either_spelling(tmp_path):
    settings = Settings.from_env({"INCUBATOR_DATABASE_URL": "postgresql://u:p@db:5432/incubator",
                                  "INCUBATOR_DATA_DIR": str(tmp_path)})
    assert settings.database_url == "postgres://u:p@db:5432/incubator"


def test_scheduler_can_be_switched_off_and_bad_numbers_are_refused(tmp_path):
    env = {"INCUBATOR_DATA_DIR": str(tmp_path), "INCUBATOR_RUN_SCHEDULER": "0"}
    assert not Settings.from_env(env).run_scheduler
    with pytest.raises(ConfigurationError):
        Settings.from_env({**env, "INCUBATOR_SESSION_IDLE_MINUTES": "two hours"})
    with pytest.raises(ConfigurationError):
        Settings.from_env({**env, "INCUBATOR_TIMEZONE": "Mars/Olympus"})


def test_without_incubator_base_url_addresses_come_from_the_request(tmp_path):
    settings = Settings.from_env({"INCUBATOR_DATA_DIR": str(tmp_path), "INCUBATOR_PORT": "8123"})
    assert settings.base_url == ""  # web.absolute_url then builds from the request
    assert settings.offline_base_url == "http://127.0.0.1:8123"  # mail and jobs, which have none
    configured = Settings.from_env({"INCUBATOR_DATA_DIR": str(tmp_path),
                                    "INCUBATOR_BASE_URL": "https://park.example/incubator/"})
    assert configured.base_url == configured.offline_base_url == "https://park.example/incubator"
    with pytest.raises(ConfigurationError, match="INCUBATOR_BASE_URL"):
        Settings.from_env({"INCUBATOR_DATA_DIR": str(tmp_path), "INCUBATOR_BASE_URL": "park.example"})


def test_trusted_proxies_are_addresses_or_networks_and_default_to_this_machine(tmp_path):
    from ipaddress import ip_address

    env = {"INCUBATOR_DATA_DIR": str(tmp_path)}
    default = Settings.from_env(env).trusted_proxies
    assert any(ip_address("127.0.0.1") in n for n in default) and not any(ip_address("10.0.0.5") in n for n in default)
    listed = Settings.from_env({**env, "INCUBATOR_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7"}).trusted_proxies
    assert [str(n) for n in listed] == ["10.0.0.0/8", "192.0.2.7/32"]
    assert Settings.from_env({**env, "INCUBATOR_TRUSTED_PROXIES": ""}).trusted_proxies == ()
    assert any(ip_address("203.0.113.9") in n for n in Settings.from_env(
        {**env, "INCUBATOR_TRUSTED_PROXIES": "*"}).trusted_proxies)
    with pytest.raises(ConfigurationError, match="INCUBATOR_TRUSTED_PROXIES"):
        Settings.from_env({**env, "INCUBATOR_TRUSTED_PROXIES": "nginx.local"})
