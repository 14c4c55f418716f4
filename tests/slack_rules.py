"""Slack's documented rules for what the Web API accepts, so the fake Slack refuses what Slack
refuses (issue 11 part 2).

`check_call(method, args)` answers the error Slack would send for a payload, or None when Slack
would accept it. Block Kit breaks are answered as Slack does: `invalid_blocks` for messages
(chat.postMessage / postEphemeral / update, response_url posts) with the broken rules in
`errors` and `response_metadata.messages` ("... [json-pointer:/blocks/0/text/text]"), and
`invalid_arguments` for views (views.open / push / update / publish). Channel names get the
`invalid_name_*` errors of conversations.create.

Each rule cites the page of Slack's reference it comes from (docs.slack.dev). Element and block
types the bot never uses are only checked for their common fields (action_id, block_id, text).
The trigger_id rule (once, within 3 s) needs the issuing time, so it lives in FakeSlack.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# -- limits, each from the page cited -----------------------------------------------------
# https://docs.slack.dev/reference/block-kit/blocks : "You can include up to 50 blocks in each
# message, and 100 blocks in modals or Home tabs."
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
# Every block page (e.g. .../blocks/section-block): "block_id ... Maximum length for this field is
# 255 characters. block_id should be unique for each message and each iteration of a message."
MAX_BLOCK_ID = 255
# https://docs.slack.dev/reference/block-kit/composition-objects/text-object : text "minimum
# length 1, maximum 3000 characters".
MAX_TEXT_OBJECT = 3000
# https://docs.slack.dev/reference/block-kit/blocks/section-block : text "Maximum length for the
# text in this field is 3000 characters"; fields "Maximum number of items is 10. Maximum length for
# the text in each item is 2000 characters"; "not required if a valid array of fields" is given.
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
# https://docs.slack.dev/reference/block-kit/blocks/header-block : a plain_text object,
# "Maximum length for the text in this field is 150 characters".
MAX_HEADER_TEXT = 150
# https://docs.slack.dev/reference/block-kit/blocks/context-block : "An array of image elements
# and text objects. Maximum number of items is 10."
MAX_CONTEXT_ELEMENTS = 10
# https://docs.slack.dev/reference/block-kit/blocks/actions-block : "There is a maximum of 25
# elements in each action block."
MAX_ACTIONS_ELEMENTS = 25
# https://docs.slack.dev/reference/block-kit/blocks/input-block : label "Maximum length for the
# text in this field is 2000 characters"; hint likewise 2000.
MAX_INPUT_LABEL = 2000
MAX_INPUT_HINT = 2000
# https://docs.slack.dev/reference/block-kit/block-elements/button-element : text (plain_text)
# "Maximum length ... is 75 characters"; action_id "Should be unique among all other action_ids
# in the containing block. Maximum length ... 255"; value "Maximum length ... 2000"; url 3000;
# style "primary" or "danger"; accessibility_label 75.
MAX_BUTTON_TEXT = 75
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_ACCESSIBILITY_LABEL = 75
BUTTON_STYLES = {"primary", "danger"}
# https://docs.slack.dev/reference/block-kit/composition-objects/option-object : text "Maximum
# length for the text in this field is 75 characters"; value "Maximum length ... 150";
# description 75. https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element :
# options "Maximum number of options is 100"; placeholder "Maximum length ... 150";
# initial_option "A single option that exactly matches one of the options".
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_OPTION_DESCRIPTION = 75
MAX_SELECT_OPTIONS = 100
MAX_PLACEHOLDER = 150
# https://docs.slack.dev/reference/block-kit/block-elements/overflow-menu-element : options
# "Maximum number of options is 5, minimum is 1."
MAX_OVERFLOW_OPTIONS = 5
# https://docs.slack.dev/reference/block-kit/block-elements/checkboxes-element and
# .../radio-button-group-element : "A maximum of 10 options are allowed."
MAX_CHOICE_OPTIONS = 10
# https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element :
# min_length "Maximum value is 3000"; max_length "must be greater than min_length";
# initial_value is text the input holds, so within max_length.
MAX_TEXT_INPUT_LENGTH = 3000
# https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object :
# title 100, text 300, confirm 30, deny 30.
CONFIRM_LIMITS = {"title": 100, "text": 300, "confirm": 30, "deny": 30}
# https://docs.slack.dev/reference/block-kit/blocks/image-block : image_url 3000, alt_text 2000,
# title 2000.
MAX_IMAGE_ALT = 2000
# https://docs.slack.dev/reference/views/modal-views : title plain_text "max length of 24
# characters" (required); close and submit "Max length of 24 characters"; "submit is required
# when an input block is within the blocks array"; private_metadata "Max length of 3000";
# callback_id "Max length of 255"; blocks "Max of 100 blocks".
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255
# https://docs.slack.dev/reference/methods/views.push (and views.open / update / publish) errors:
# view_too_large — "Error returned if the provided view is greater than 250kb."
MAX_VIEW_BYTES = 250 * 1024
# https://docs.slack.dev/reference/methods/conversations.create : "Channel names may only
# contain lowercase letters, numbers, hyphens, and underscores, and must be 80 characters or
# less." Errors: invalid_name_required, invalid_name_maxlength, invalid_name_specials ("contained
# unallowed special characters or upper case characters"), invalid_name_punctuation ("contained
# only punctuation").
MAX_CHANNEL_NAME = 80
# https://docs.slack.dev/reference/methods/conversations.setTopic : too_long — "Topic was longer
# than 250 characters." (conversations.setPurpose answers the same for its purpose.)
MAX_TOPIC = 250
_CHANNEL_NAME_CHARS = re.compile(r"[a-z0-9_-]+")

TEXT_TYPES = {"plain_text", "mrkdwn"}
KNOWN_BLOCKS = {"actions", "context", "divider", "file", "header", "image", "input", "markdown",
                "rich_text", "section", "video", "context_actions", "table"}
VIEW_METHODS = {"views.open", "views.push", "views.update", "views.publish"}
MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage"}
CHANNEL_NAME_METHODS = {"conversations.create", "conversations.rename"}


@dataclass
class Breaks:
    """Rule breaks found in one payload, each with its JSON pointer as Slack reports them."""

    found: list[str] = field(default_factory=list)

    def add(self, pointer: str, message: str) -> None:
        self.found.append(f"{message} [json-pointer:{pointer}]")

    def __bool__(self) -> bool:
        return bool(self.found)


# -- text objects --------------------------------------------------------------------------
def _text(obj: Any, ptr: str, breaks: Breaks, *, limit: int = MAX_TEXT_OBJECT, plain_only: bool = False,
          required: bool = True) -> None:
    """A text composition object: {"type": plain_text|mrkdwn, "text": 1..limit characters}."""
    if obj is None:
        if required:
            breaks.add(ptr, "missing required field")
        return
    if not isinstance(obj, dict):
        breaks.add(ptr, "must be a text object")
        return
    kind = obj.get("type")
    if kind not in TEXT_TYPES:
        breaks.add(f"{ptr}/type", "must be plain_text or mrkdwn")
    elif plain_only and kind != "plain_text":
        breaks.add(f"{ptr}/type", "must be plain_text")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        # text-object page: "minimum length 1"
        breaks.add(f"{ptr}/text", "must be more than 0 characters")
    elif len(text) > limit:
        breaks.add(f"{ptr}/text", f"must be less than {limit + 1} characters")


def _length(value: Any, ptr: str, breaks: Breaks, limit: int, *, minimum: int = 0) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        breaks.add(ptr, "must be a string")
    elif len(value) > limit:
        breaks.add(ptr, f"must be less than {limit + 1} characters")
    elif len(value) < minimum:
        breaks.add(ptr, f"must be at least {minimum} characters")


# -- elements ------------------------------------------------------------------------------
def _options(options: Any, ptr: str, breaks: Breaks, *, limit: int, plain_only: bool = True) -> list[dict]:
    if not isinstance(options, list) or not options:
        breaks.add(ptr, "must provide at least 1 item")
        return []
    if len(options) > limit:
        breaks.add(ptr, f"must provide no more than {limit} items")
    for i, opt in enumerate(options):
        if not isinstance(opt, dict):
            breaks.add(f"{ptr}/{i}", "must be an option object")
            continue
        _text(opt.get("text"), f"{ptr}/{i}/text", breaks, limit=MAX_OPTION_TEXT, plain_only=plain_only)
        _length(opt.get("value"), f"{ptr}/{i}/value", breaks, MAX_OPTION_VALUE, minimum=1)
        if "description" in opt:
            _text(opt["description"], f"{ptr}/{i}/description", breaks, limit=MAX_OPTION_DESCRIPTION,
                  plain_only=True)
    return [o for o in options if isinstance(o, dict)]


def _same_option(a: dict, b: dict) -> bool:
    return a.get("value") == b.get("value") and (a.get("text") or {}).get("text") == (b.get("text") or {}).get("text")


def _element(el: Any, ptr: str, breaks: Breaks) -> None:
    if not isinstance(el, dict):
        breaks.add(ptr, "must be an element object")
        return
    kind = el.get("type")
    if not isinstance(kind, str) or not kind:
        breaks.add(f"{ptr}/type", "missing required field")
        return
    _length(el.get("action_id"), f"{ptr}/action_id", breaks, MAX_ACTION_ID, minimum=1)
    if "placeholder" in el:
        _text(el["placeholder"], f"{ptr}/placeholder", breaks, limit=MAX_PLACEHOLDER, plain_only=True)
    if "confirm" in el:
        confirm = el["confirm"] if isinstance(el["confirm"], dict) else {}
        for key, limit in CONFIRM_LIMITS.items():
            _text(confirm.get(key), f"{ptr}/confirm/{key}", breaks, limit=limit, plain_only=key != "text")
    if kind == "button":
        _text(el.get("text"), f"{ptr}/text", breaks, limit=MAX_BUTTON_TEXT, plain_only=True)
        _length(el.get("value"), f"{ptr}/value", breaks, MAX_BUTTON_VALUE)
        _length(el.get("url"), f"{ptr}/url", breaks, MAX_URL)
        _length(el.get("accessibility_label"), f"{ptr}/accessibility_label", breaks, MAX_ACCESSIBILITY_LABEL)
        if "style" in el and el["style"] not in BUTTON_STYLES:
            breaks.add(f"{ptr}/style", "must be one of primary, danger")
    elif kind in ("static_select", "multi_static_select"):
        if "option_groups" in el:
            groups = el["option_groups"] if isinstance(el["option_groups"], list) else []
            options = [o for i, g in enumerate(groups)
                       for o in _options((g or {}).get("options"), f"{ptr}/option_groups/{i}/options", breaks,
                                         limit=MAX_SELECT_OPTIONS)]
        else:
            options = _options(el.get("options"), f"{ptr}/options", breaks, limit=MAX_SELECT_OPTIONS)
        initial = [el["initial_option"]] if "initial_option" in el else el.get("initial_options") or []
        for i, chosen in enumerate(initial):
            if not isinstance(chosen, dict) or not any(_same_option(chosen, o) for o in options):
                breaks.add(f"{ptr}/initial_option" if "initial_option" in el else f"{ptr}/initial_options/{i}",
                           "must exactly match one of the provided options")
    elif kind == "overflow":
        _options(el.get("options"), f"{ptr}/options", breaks, limit=MAX_OVERFLOW_OPTIONS)
    elif kind in ("checkboxes", "radio_buttons"):
        _options(el.get("options"), f"{ptr}/options", breaks, limit=MAX_CHOICE_OPTIONS, plain_only=False)
    elif kind == "plain_text_input":
        max_length = el.get("max_length")
        min_length = el.get("min_length", 0)
        if max_length is not None and (not isinstance(max_length, int) or not 1 <= max_length <= MAX_TEXT_INPUT_LENGTH):
            breaks.add(f"{ptr}/max_length", f"must be between 1 and {MAX_TEXT_INPUT_LENGTH}")
        if not isinstance(min_length, int) or not 0 <= min_length <= MAX_TEXT_INPUT_LENGTH:
            breaks.add(f"{ptr}/min_length", f"must be between 0 and {MAX_TEXT_INPUT_LENGTH}")
        elif isinstance(max_length, int) and min_length > max_length:
            breaks.add(f"{ptr}/min_length", "must be less than or equal to max_length")
        initial = el.get("initial_value")
        if initial is not None:
            _length(initial, f"{ptr}/initial_value", breaks,
                    max_length if isinstance(max_length, int) else MAX_TEXT_INPUT_LENGTH)
    elif kind == "image":
        _length(el.get("image_url"), f"{ptr}/image_url", breaks, MAX_URL)
        _length(el.get("alt_text"), f"{ptr}/alt_text", breaks, MAX_IMAGE_ALT, minimum=1)


def _unique_action_ids(elements: list, ptr: str, breaks: Breaks) -> None:
    """Button page (and every interactive element's): action_id "Should be unique among all other
    action_ids in the containing block" — Slack refuses the message otherwise (issue 11)."""
    seen: set[str] = set()
    for i, el in enumerate(elements):
        action_id = el.get("action_id") if isinstance(el, dict) else None
        if action_id is None:
            continue
        if action_id in seen:
            breaks.add(f"{ptr}/{i}/action_id", f"action_id '{action_id}' is already used in this block")
        seen.add(action_id)


# -- blocks --------------------------------------------------------------------------------
def _block(block: Any, ptr: str, breaks: Breaks) -> None:
    if not isinstance(block, dict):
        breaks.add(ptr, "must be a block object")
        return
    kind = block.get("type")
    if kind not in KNOWN_BLOCKS:
        breaks.add(f"{ptr}/type", f"unsupported block type {kind!r}")
        return
    if "block_id" in block:
        _length(block["block_id"], f"{ptr}/block_id", breaks, MAX_BLOCK_ID, minimum=1)
    if kind == "section":
        if block.get("text") is None and not block.get("fields"):
            breaks.add(ptr, "must provide text or fields")
        if block.get("text") is not None:
            _text(block["text"], f"{ptr}/text", breaks, limit=MAX_SECTION_TEXT)
        if "fields" in block:
            fields = block["fields"]
            if not isinstance(fields, list) or not fields:
                breaks.add(f"{ptr}/fields", "must provide at least 1 item")
            else:
                if len(fields) > MAX_SECTION_FIELDS:
                    breaks.add(f"{ptr}/fields", f"must provide no more than {MAX_SECTION_FIELDS} items")
                for i, f in enumerate(fields):
                    _text(f, f"{ptr}/fields/{i}", breaks, limit=MAX_FIELD_TEXT)
        if "accessory" in block:
            _element(block["accessory"], f"{ptr}/accessory", breaks)
    elif kind == "header":
        _text(block.get("text"), f"{ptr}/text", breaks, limit=MAX_HEADER_TEXT, plain_only=True)
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            breaks.add(f"{ptr}/elements", "must provide at least 1 item")
            return
        if len(elements) > MAX_CONTEXT_ELEMENTS:
            breaks.add(f"{ptr}/elements", f"must provide no more than {MAX_CONTEXT_ELEMENTS} items")
        for i, el in enumerate(elements):
            if isinstance(el, dict) and el.get("type") == "image":
                _element(el, f"{ptr}/elements/{i}", breaks)
            else:
                _text(el, f"{ptr}/elements/{i}", breaks)
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            breaks.add(f"{ptr}/elements", "must provide at least 1 item")
            return
        if len(elements) > MAX_ACTIONS_ELEMENTS:
            breaks.add(f"{ptr}/elements", f"must provide no more than {MAX_ACTIONS_ELEMENTS} items")
        for i, el in enumerate(elements):
            _element(el, f"{ptr}/elements/{i}", breaks)
        _unique_action_ids(elements, f"{ptr}/elements", breaks)
    elif kind == "input":
        _text(block.get("label"), f"{ptr}/label", breaks, limit=MAX_INPUT_LABEL, plain_only=True)
        if "hint" in block:
            _text(block["hint"], f"{ptr}/hint", breaks, limit=MAX_INPUT_HINT, plain_only=True)
        if "element" not in block:
            breaks.add(f"{ptr}/element", "missing required field")
        else:
            _element(block["element"], f"{ptr}/element", breaks)
    elif kind == "image":
        _length(block.get("image_url"), f"{ptr}/image_url", breaks, MAX_URL)
        _length(block.get("alt_text"), f"{ptr}/alt_text", breaks, MAX_IMAGE_ALT, minimum=1)
        if "title" in block:
            _text(block["title"], f"{ptr}/title", breaks, limit=MAX_IMAGE_ALT, plain_only=True)


def check_blocks(blocks: Any, *, ptr: str = "/blocks", limit: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Every rule break in a blocks array (empty: Slack accepts it)."""
    breaks = Breaks()
    if not isinstance(blocks, list):
        breaks.add(ptr, "must be an array")
        return breaks.found
    if len(blocks) > limit:
        breaks.add(ptr, f"must provide no more than {limit} items")
    seen: dict[str, int] = {}
    for i, block in enumerate(blocks):
        _block(block, f"{ptr}/{i}", breaks)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str):
            if block_id in seen:  # "block_id should be unique for each message" (every block page)
                breaks.add(f"{ptr}/{i}/block_id", f"duplicate block_id '{block_id}' (also block {seen[block_id]})")
            seen.setdefault(block_id, i)
    return breaks.found


def check_view(view: Any, *, method: str = "views.open") -> list[str]:
    """Every rule break in a modal or Home tab view object."""
    breaks = Breaks()
    if not isinstance(view, dict):
        breaks.add("/view", "must be a view object")
        return breaks.found
    kind = view.get("type")
    # https://docs.slack.dev/reference/methods/views.publish : publishes a Home tab view;
    # views.open / push / update take modals (https://docs.slack.dev/reference/views/modal-views).
    if method == "views.publish" and kind != "home":
        breaks.add("/view/type", "must be home")
    elif method != "views.publish" and kind != "modal":
        breaks.add("/view/type", "must be modal")
    blocks = view.get("blocks")
    if blocks is None:
        breaks.add("/view/blocks", "missing required field")
    else:
        breaks.found += check_blocks(blocks, ptr="/view/blocks", limit=MAX_VIEW_BLOCKS)
    _length(view.get("private_metadata"), "/view/private_metadata", breaks, MAX_PRIVATE_METADATA)
    _length(view.get("callback_id"), "/view/callback_id", breaks, MAX_CALLBACK_ID)
    if kind == "modal":
        _text(view.get("title"), "/view/title", breaks, limit=MAX_MODAL_TITLE, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                _text(view[key], f"/view/{key}", breaks, limit=MAX_MODAL_BUTTON, plain_only=True)
        has_input = isinstance(blocks, list) and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and not view.get("submit"):
            breaks.add("/view/submit", "submit is required when an input block is within the blocks array")
    return breaks.found


def check_channel_name(name: Any) -> str | None:
    """The conversations.create error for a channel name, or None when it is valid."""
    if not isinstance(name, str) or not name:
        return "invalid_name_required"
    if len(name) > MAX_CHANNEL_NAME:
        return "invalid_name_maxlength"
    if not _CHANNEL_NAME_CHARS.fullmatch(name):
        return "invalid_name_specials"
    if not re.search(r"[a-z0-9]", name):
        return "invalid_name_punctuation"
    return None


# -- whole calls ---------------------------------------------------------------------------
def _refusal(error: str, found: list[str], *, with_errors: bool) -> dict:
    answer: dict[str, Any] = {"ok": False, "error": error,
                              "response_metadata": {"messages": [f"[ERROR] {m}" for m in found]}}
    if with_errors:
        answer["errors"] = list(found)
    return answer


def check_message(payload: dict) -> dict | None:
    """A message payload (chat.* arguments or a response_url body): Slack's refusal, or None."""
    if payload.get("delete_original"):  # a response_url post that only deletes the original
        return None
    blocks = payload.get("blocks")
    if blocks in (None, "", []) and not payload.get("text") and not payload.get("attachments"):
        # https://docs.slack.dev/reference/methods/chat.postMessage : no_text — "No message text
        # provided" (text is optional only when blocks or attachments are given).
        return {"ok": False, "error": "no_text"}
    if blocks not in (None, ""):
        found = check_blocks(blocks)
        if found:
            # chat.postMessage errors: invalid_blocks — "Blocks submitted with this message are
            # not valid"; the broken rule is named with a json-pointer.
            return _refusal("invalid_blocks", found, with_errors=True)
    return None


def message_warnings(payload: dict) -> list[str]:
    """What Slack accepts but its reference asks for: a top-level `text` with blocks.

    https://docs.slack.dev/reference/methods/chat.postMessage : "The text field is not enforced
    as required when using blocks or attachments. However, we highly recommended that you include
    text to provide a fallback ... screen readers will default to the top-level text field of your
    post, and will not read the content of any interior blocks." (The SDKs warn: "The top-level
    `text` argument is missing in the request payload".)
    """
    if payload.get("blocks") and not payload.get("text"):
        return ["missing_text: blocks sent without a top-level `text` fallback (notifications and screen readers)"]
    return []


def check_call(method: str, args: dict) -> dict | None:
    """Slack's answer refusing this Web API call, or None when Slack's documented rules accept it."""
    if method in MESSAGE_METHODS:
        return check_message(args)
    if method in VIEW_METHODS:
        view = args.get("view")
        if len(json.dumps(view, ensure_ascii=False).encode()) > MAX_VIEW_BYTES:
            return {"ok": False, "error": "view_too_large"}
        found = check_view(view, method=method)
        if method == "views.publish" and not args.get("user_id"):
            found.append("missing required field [json-pointer:/user_id]")
        if found:
            # https://docs.slack.dev/reference/methods/views.open (errors): invalid_arguments —
            # "The method was called with invalid arguments."
            return _refusal("invalid_arguments", found, with_errors=False)
        return None
    if method in ("conversations.setTopic", "conversations.setPurpose"):
        value = args.get("topic" if method == "conversations.setTopic" else "purpose") or ""
        return {"ok": False, "error": "too_long"} if len(str(value)) > MAX_TOPIC else None
    if method in CHANNEL_NAME_METHODS:
        error = check_channel_name(args.get("name"))
        return {"ok": False, "error": error} if error else None
    return None
