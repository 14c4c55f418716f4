"""manifest.yml: valid against Slack's published manifest schema, and in step with the code
(every command and event the bot registers, exactly the scopes its Web API calls need)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "shared" / "slack-manifest-schema"
MANIFEST = REPO / "manifest.yml"

# Web API method (as slack_sdk spells it) -> the bot scope it needs (None: no scope).
METHOD_SCOPES = {
    "auth_test": None,
    "api_call": None,
    "views_open": None, "views_push": None, "views_update": None, "views_publish": None,
    "chat_postMessage": "chat:write", "chat_postEphemeral": "chat:write", "chat_update": "chat:write",
    "chat_delete": "chat:write", "chat_getPermalink": None,
    "conversations_create": "groups:write", "conversations_invite": "groups:write",
    "conversations_setTopic": "groups:write", "conversations_setPurpose": "groups:write",
    "conversations_archive": "groups:write", "conversations_rename": "groups:write",
    "conversations_list": "groups:read", "conversations_info": "groups:read", "conversations_members": "groups:read",
    "conversations_open": "im:write",
    "pins_add": "pins:write",
    "files_upload_v2": "files:write", "files_getUploadURLExternal": "files:write",
    "files_completeUploadExternal": "files:write",
    "users_info": "users:read", "users_list": "users:read",
    "reactions_add": "reactions:write",
    "conversations_inviteShared": "conversations.connect:write",
    "users_lookupByEmail": "users:read.email",
}
# A scope Slack grants only together with another: "This scope must be requested at the same
# time as users:read" (https://api.slack.com/scopes/users:read.email).
REQUIRES = {"users:read.email": "users:read"}
# Event type -> the bot scope its delivery needs (https://docs.slack.dev/reference/slack-connect-api-reference).
EVENT_SCOPES = {"shared_channel_invite_accepted": "conversations.connect:read",
                "shared_channel_invite_approved": "conversations.connect:read",
                "shared_channel_invite_declined": "conversations.connect:read"}
# Needed without a matching client call: slash commands, and DMs posted to a user ID.
ALWAYS = {"commands", "im:write"}


def source_files() -> list[Path]:
    return [p for folder in ("bot", "handlers") for p in (REPO / folder).rglob("*.py")]


def registered(pattern: str) -> set[str]:
    found: set[str] = set()
    for path in source_files():
        found |= set(re.findall(pattern, path.read_text(encoding="utf-8")))
    return found


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator():
    if not (SCHEMA_DIR / "manifest.schema.json").is_file():
        pytest.skip(f"Slack's manifest schema is not at {SCHEMA_DIR} (CI puts shared/ beside the clone)")
    import jsonschema
    from referencing import Registry, Resource

    def retrieve(uri: str) -> Resource:
        # The schema $refs its per-version files by URL: serve them from the folder (no network).
        local = SCHEMA_DIR / uri.rsplit("/", 1)[-1]
        if not local.is_file():
            raise FileNotFoundError(f"{uri} is not in {SCHEMA_DIR}")
        return Resource.from_contents(json.loads(local.read_text(encoding="utf-8")))

    schema = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=Registry(retrieve=retrieve))


def test_manifest_validates_against_slack_schema(manifest, validator):
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_validator_catches_a_broken_manifest(manifest, validator):
    broken = json.loads(json.dumps(manifest))
    broken["features"]["slash_commands"][0]["command"] = "partnerprofile"  # no leading slash
    assert list(validator.iter_errors(broken))
    broken = json.loads(json.dumps(manifest))
    broken["features"]["app_home"]["home_tab"] = True  # not a known key
    assert list(validator.iter_errors(broken))
    sample = json.loads((SCHEMA_DIR / "manifest.valid.json").read_text(encoding="utf-8"))
    assert not list(validator.iter_errors(sample))


def test_manifest_has_the_contract_surface(manifest):
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/partnerprofile", "/findpartner", "/partnerstats"}
    for command in commands.values():
        assert command["url"] == "https://YOUR-HOST/slack/events"
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"] == settings["event_subscriptions"]["request_url"] \
        == "https://YOUR-HOST/slack/events"
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_every_registered_command_and_event_is_in_the_manifest(manifest):
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    in_code_commands = registered(r"""app\.command\(\s*["'](/[\w-]+)["']""")
    in_code_events = registered(r"""app\.event\(\s*["'](\w+)["']""")
    assert "/partnerprofile" in in_code_commands
    assert in_code_commands <= commands
    assert in_code_events <= events
    assert events <= in_code_events | {"app_home_opened"}  # nothing subscribed that nobody handles


def test_scopes_are_exactly_what_the_code_needs(manifest):
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    methods = registered(r"client\.([A-Za-z_0-9]+)\(")
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"add the scope of {sorted(unknown)} to METHOD_SCOPES (and manifest.yml)"
    needed = {METHOD_SCOPES[m] for m in methods} - {None}
    needed |= {REQUIRES[n] for n in needed if n in REQUIRES}
    needed |= {EVENT_SCOPES[e] for e in registered(r"""app\.event\(\s*["'](\w+)["']""") if e in EVENT_SCOPES}
    assert needed <= scopes, f"manifest.yml lacks {sorted(needed - scopes)}"
    assert scopes <= needed | ALWAYS, f"manifest.yml asks for unused scopes {sorted(scopes - needed - ALWAYS)}"
    assert len(scopes) == len(manifest["oauth_config"]["scopes"]["bot"])  # no duplicates
