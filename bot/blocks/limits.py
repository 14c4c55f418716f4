"""Slack's Block Kit limits, and a checker that unit tests run over every builder."""

from __future__ import annotations

MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_HOME_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_MODAL_TITLE = 24
MAX_MODAL_BUTTON = 24  # submit / close labels
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_ACTIONS_ELEMENTS = 25
MAX_OPTION_TEXT = 75
MAX_OPTIONS = 100
MAX_PRIVATE_METADATA = 3000
MAX_MESSAGE_TEXT = 40000
MAX_INPUT_LABEL = 2000
MAX_PLACEHOLDER = 150


class BlockLimitError(AssertionError):
    pass


def _text_len(obj: dict | None) -> int:
    return len(obj.get("text", "")) if obj else 0


def check_blocks(blocks: list[dict], *, surface: str = "message") -> None:  # noqa: C901 - to split
    """Raise BlockLimitError when `blocks` break a Block Kit limit for `surface`."""
    limit = {"message": MAX_MESSAGE_BLOCKS, "modal": MAX_MODAL_BLOCKS, "home": MAX_HOME_BLOCKS}[surface]
    if len(blocks) > limit:
        raise BlockLimitError(f"{len(blocks)} blocks > {limit} for a {surface}")
    for i, block in enumerate(blocks):
        kind = block.get("type")
        where = f"block {i} ({kind})"
        if len(block.get("block_id", "")) > MAX_BLOCK_ID:
            raise BlockLimitError(f"{where}: block_id too long")
        if kind == "section":
            if _text_len(block.get("text")) > MAX_SECTION_TEXT:
                raise BlockLimitError(f"{where}: text {_text_len(block.get('text'))} > {MAX_SECTION_TEXT}")
            if not block.get("text") and not block.get("fields"):
                raise BlockLimitError(f"{where}: a section needs text or fields")
            if block.get("text") is not None and not block["text"].get("text"):
                raise BlockLimitError(f"{where}: empty section text")
            fields = block.get("fields") or []
            if len(fields) > MAX_SECTION_FIELDS:
                raise BlockLimitError(f"{where}: {len(fields)} fields > {MAX_SECTION_FIELDS}")
            for f in fields:
                if _text_len(f) > MAX_FIELD_TEXT or not f.get("text"):
                    raise BlockLimitError(f"{where}: field text empty or > {MAX_FIELD_TEXT}")
            if "accessory" in block:
                _check_element(block["accessory"], where)
        elif kind == "header":
            n = _text_len(block.get("text"))
            if not n or n > MAX_HEADER_TEXT:
                raise BlockLimitError(f"{where}: header text {n} not in 1..{MAX_HEADER_TEXT}")
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > MAX_CONTEXT_ELEMENTS:
                raise BlockLimitError(f"{where}: {len(elements)} context elements")
            for e in elements:
                if e.get("type") in ("mrkdwn", "plain_text") and (not e.get("text") or len(e["text"]) > MAX_SECTION_TEXT):
                    raise BlockLimitError(f"{where}: context text empty or too long")
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > MAX_ACTIONS_ELEMENTS:
                raise BlockLimitError(f"{where}: {len(elements)} action elements")
            for e in elements:
                _check_element(e, where)
        elif kind == "input":
            if _text_len(block.get("label")) > MAX_INPUT_LABEL:
                raise BlockLimitError(f"{where}: label too long")
            _check_element(block.get("element") or {}, where)


def _check_element(element: dict, where: str) -> None:
    kind = element.get("type")
    if len(element.get("action_id", "")) > MAX_ACTION_ID:
        raise BlockLimitError(f"{where}: action_id too long")
    if kind == "button":
        n = _text_len(element.get("text"))
        if not n or n > MAX_BUTTON_TEXT:
            raise BlockLimitError(f"{where}: button label {n} not in 1..{MAX_BUTTON_TEXT}")
        if len(element.get("value", "")) > MAX_BUTTON_VALUE:
            raise BlockLimitError(f"{where}: button value too long")
    if "placeholder" in element and _text_len(element["placeholder"]) > MAX_PLACEHOLDER:
        raise BlockLimitError(f"{where}: placeholder too long")
    for opt in element.get("options") or []:
        if _text_len(opt.get("text")) > MAX_OPTION_TEXT:
            raise BlockLimitError(f"{where}: option text too long")
    if len(element.get("options") or []) > MAX_OPTIONS:
        raise BlockLimitError(f"{where}: too many options")


def check_modal(view: dict) -> None:
    """Raise BlockLimitError when a modal view breaks a limit."""
    if view.get("type") not in ("modal", "home"):
        raise BlockLimitError("view type must be modal or home")
    if view["type"] == "modal":
        title = _text_len(view.get("title"))
        if not title or title > MAX_MODAL_TITLE:
            raise BlockLimitError(f"modal title {title} not in 1..{MAX_MODAL_TITLE}")
        for key in ("submit", "close"):
            if key in view and _text_len(view[key]) > MAX_MODAL_BUTTON:
                raise BlockLimitError(f"modal {key} label too long")
    if len(view.get("private_metadata", "")) > MAX_PRIVATE_METADATA:
        raise BlockLimitError("private_metadata too long")
    check_blocks(view.get("blocks") or [], surface="modal" if view["type"] == "modal" else "home")
