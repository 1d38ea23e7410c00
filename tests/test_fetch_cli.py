"""``ceasefire fetch``: the commands over a loopback server, credentials from the environment
or a private file only, a progress bar with counts, and no credential in any output."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fetch_server import FakeProvider
from test_fetch_acled import EMAIL, PASSWORD, FakeAcled
from test_fetch_ucdp import PATH, TOKEN, _gedevents

from ceasefire.cli import cli
from ceasefire.errors import FetchError
from ceasefire.fetch import acled_login, ucdp_token
from ceasefire.store import open_store
from ceasefire.store.workspace import audit_rows

CLEAN = {"UCDP_ACCESS_TOKEN": "", "ACLED_EMAIL": "", "ACLED_PASSWORD": ""}


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    p = FakeProvider()
    p.route("GET", PATH, _gedevents)
    FakeAcled(p)
    yield p
    p.close()


def _private(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_fetch_ucdp_from_the_environment(provider: FakeProvider, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    args = [
        "fetch",
        "ucdp",
        "--country",
        "652",
        "--start",
        "2019-07-01",
        "--end",
        "2019-07-31",
        "--version",
        "25.1",
        "--base-url",
        provider.url,
        "--min-interval",
        "0",
        "--db",
        db,
    ]
    r = CliRunner().invoke(cli, args, env={**CLEAN, "UCDP_ACCESS_TOKEN": TOKEN})
    assert r.exit_code == 0, r.output
    assert "3 page(s), 6 row(s): 6 new, 0 changed, 0 unchanged, 0 rejected" in r.output
    assert "fetch" in r.stderr and "6/6" in r.stderr  # the progress bar with counts
    again = CliRunner().invoke(cli, args, env={**CLEAN, "UCDP_ACCESS_TOKEN": TOKEN})
    assert "fetched completely before" in again.output
    status = CliRunner().invoke(cli, ["fetch", "status", "--db", db])
    assert status.exit_code == 0 and "ucdp:25.1:Country=652" in status.output
    assert "done" in status.output
    with open_store(db) as store:
        audit = audit_rows(store.engine)["items"]
    assert [a["action"] for a in audit] == ["fetch.run"]
    for text in (r.output, r.stderr, again.output, repr(audit)):
        assert TOKEN not in text


def test_fetch_acled_from_a_private_file(provider: FakeProvider, tmp_path: Path) -> None:
    creds = _private(tmp_path / "c.toml", f'[acled]\nemail = "{EMAIL}"\npassword = "{PASSWORD}"\n')
    db = str(tmp_path / "s.db")
    args = [
        "fetch",
        "acled",
        "--country",
        "Syria",
        "--start",
        "2020-03-01",
        "--end",
        "2020-03-31",
        "--credentials",
        str(creds),
        "--base-url",
        provider.url,
        "--min-interval",
        "0",
        "--db",
        db,
    ]
    r = CliRunner().invoke(cli, args, env=CLEAN)
    assert r.exit_code == 0, r.output
    assert "1 page(s), 5 row(s): 5 new" in r.output and "0 withdrawn" in r.output
    assert PASSWORD not in r.output + r.stderr
    [read] = provider.requests_to("/api/acled/read")
    assert read.query["maritime_pairs"] == "true"  # offshore events off Syria's coast too
    # turned off: not asked, and a query of its own (its own state)
    r = CliRunner().invoke(cli, [*args, "--no-maritime-pairs"], env=CLEAN)
    assert r.exit_code == 0, r.output
    assert "maritime_pairs" not in provider.requests_to("/api/acled/read")[-1].query
    assert "acled:country=Syria:event_date=" in r.output


def test_a_file_others_may_read_is_refused(tmp_path: Path) -> None:
    creds = _private(tmp_path / "c.toml", '[ucdp]\naccess_token = "tok-in-file-3"\n', 0o644)
    with pytest.raises(FetchError, match=r"may be read by others \(mode 644\); .*chmod 600"):
        ucdp_token(env={}, file=creds)
    os.chmod(creds, 0o600)
    assert ucdp_token(env={}, file=creds).reveal() == "tok-in-file-3"
    # the environment comes first
    assert ucdp_token(env={"UCDP_ACCESS_TOKEN": "env-tok"}, file=creds).reveal() == "env-tok"


def test_missing_credentials_say_where_to_put_them(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    with pytest.raises(FetchError, match="set UCDP_ACCESS_TOKEN or put access_token"):
        ucdp_token(env=env)
    with pytest.raises(FetchError, match="set ACLED_EMAIL and ACLED_PASSWORD"):
        acled_login(env=env)
    bad = _private(tmp_path / "bad.toml", 'password = "leak-me-9" oops\n')
    with pytest.raises(FetchError, match="not a readable TOML file") as e:
        acled_login(env={}, file=bad)
    assert "leak-me-9" not in str(e.value)


def test_the_cli_error_names_the_url_not_the_token(provider: FakeProvider, tmp_path: Path) -> None:
    provider.fail(PATH, 503, times=99, headers={"Retry-After": "0"})
    args = [
        "fetch",
        "ucdp",
        "--version",
        "25.1",
        "--base-url",
        provider.url,
        "--min-interval",
        "0",
        "--db",
        str(tmp_path / "s.db"),
    ]
    r = CliRunner().invoke(cli, args, env={**CLEAN, "UCDP_ACCESS_TOKEN": TOKEN})
    assert r.exit_code == 2
    assert f"error: GET {provider.url}{PATH}25.1?pagesize=1000&page=0: HTTP 503" in r.stderr
    assert "(after 5 tries)" in r.stderr and TOKEN not in r.output + r.stderr


def test_no_option_takes_a_credential() -> None:
    for name in ("ucdp", "acled"):
        cmd = cli.commands["fetch"].commands[name]  # type: ignore[attr-defined]
        opts = {o for p in cmd.params for o in p.opts}
        assert not {o for o in opts if any(w in o for w in ("token", "password", "email", "key"))}


def test_bad_input_is_refused_before_credentials_or_the_store(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    for args in (
        ["ucdp", "--version", "25.1", "--start", "2020-13-01"],
        ["ucdp", "--version", "25.1", "--country", "Narnia"],
        ["acled", "--country", "Syria", "--end", "31 March 2020"],
    ):
        r = CliRunner().invoke(cli, ["fetch", *args, "--db", str(db)], env=CLEAN)
        assert r.exit_code == 1, r.output  # bad input, not "no UCDP access token"
        assert "not a day" in r.stderr or "Gleditsch-Ward" in r.stderr
        assert not db.exists()


def test_ctrl_c_says_the_work_is_kept_and_how_to_go_on(
    provider: FakeProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ceasefire.cli.fetch as command

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "fetch_ucdp", interrupted)
    args = ["fetch", "ucdp", "--version", "25.1", "--base-url", provider.url]
    r = CliRunner().invoke(
        cli, [*args, "--db", str(tmp_path / "s.db")], env={**CLEAN, "UCDP_ACCESS_TOKEN": TOKEN}
    )
    assert r.exit_code == 2 and "Aborted" not in r.output
    assert "interrupted: what was fetched is kept; run the same command again" in r.stderr
