"""Block Kit -> a Slack-like HTML page (an approximation for looking at messages, not a spec).

Covers what partnerbot sends: header, section (text, fields, accessory), context, divider,
actions (buttons, selects), image, input; mrkdwn (*bold*, _italic_, ~strike~, `code`, > quotes,
<@U…> / <#C…> / <!date^…> / <url|text> tokens, :emoji:). Mentions show the names in `people`.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

EMOJI = {
    "white_check_mark": "✅", "no_entry_sign": "🚫", "handshake": "🤝", "tada": "🎉", "wave": "👋",
    "hourglass_flowing_sand": "⏳", "heavy_minus_sign": "➖", "checkered_flag": "🏁", "warning": "⚠️",
    "mag": "🔍", "information_source": "ℹ️", "point_down": "👇", "large_green_circle": "🟢",
    "large_yellow_circle": "🟡", "red_circle": "🔴", "double_vertical_bar": "⏸️", "wastebasket": "🗑️",
    "chart_with_upwards_trend": "📈", "chart_with_downwards_trend": "📉", "bulb": "💡", "pushpin": "📌",
    "star": "⭐", "memo": "📝", "inbox_tray": "📥", "calendar": "📅", "bust_in_silhouette": "👤",
    "busts_in_silhouette": "👥", "moneybag": "💰", "trophy": "🏆", "eyes": "👀", "rotating_light": "🚨",
    "hourglass": "⌛", "speech_balloon": "💬", "link": "🔗", "x": "❌", "heavy_check_mark": "✔️",
    "arrow_right": "➡️", "sparkles": "✨", "seedling": "🌱", "clipboard": "📋", "raised_hands": "🙌",
    "small_blue_diamond": "🔹", "small_orange_diamond": "🔸", "bell": "🔔", "zzz": "💤", "thumbsup": "👍",
    "+1": "👍", "muscle": "💪", "dart": "🎯", "mailbox_with_mail": "📬", "building_construction": "🏗️",
    "office": "🏢", "globe_with_meridians": "🌐", "round_pushpin": "📍", "date": "📅", "telephone_receiver": "📞", "point_right": "👉", "mega": "📣", "chart": "📊",
}

_TOKEN = re.compile(r"<([^<>]+)>")


def _date(token: str) -> str:
    """<!date^ts^format^link|fallback> as the reader would see it (rendered in UTC here)."""
    body, _, fallback = token.partition("|")
    parts = body.split("^")
    try:
        at = datetime.fromtimestamp(int(parts[1]), UTC)
    except (IndexError, ValueError):
        return fallback
    fmt = parts[2] if len(parts) > 2 else "{date}"
    values = {
        "date_num": at.strftime("%Y-%m-%d"), "date": at.strftime("%B %-d, %Y"),
        "date_short": at.strftime("%b %-d, %Y"), "date_long": at.strftime("%A, %B %-d, %Y"),
        "date_pretty": at.strftime("%B %-d, %Y"), "date_short_pretty": at.strftime("%b %-d"),
        "date_long_pretty": at.strftime("%A, %B %-d, %Y"), "time": at.strftime("%-I:%M %p"),
        "time_secs": at.strftime("%-I:%M:%S %p"), "ago": "2 days ago",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), fmt)


def _token_html(token: str, people: dict[str, str], channels: dict[str, str]) -> str:
    if token.startswith("@"):
        user = token[1:].split("|")[0]
        return f'<span class="mention">@{html.escape(people.get(user, user))}</span>'
    if token.startswith("#"):
        channel, _, label = token[1:].partition("|")
        return f'<span class="mention">#{html.escape(label or channels.get(channel, channel))}</span>'
    if token.startswith("!date^"):
        return html.escape(_date(token))
    if token.startswith("!"):
        return f'<span class="mention">@{html.escape(token[1:].split("|")[0].split("^")[0])}</span>'
    url, _, label = token.partition("|")
    return f'<a href="#">{label or html.escape(url)}</a>'


def _emoji(text: str) -> str:
    return re.sub(r":([a-z0-9_+\-]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def mrkdwn(text: str, people: dict[str, str] | None = None, channels: dict[str, str] | None = None) -> str:
    """mrkdwn (with Slack's own &amp;/&lt;/&gt; escapes) -> HTML."""
    people, channels = people or {}, channels or {}
    tokens: list[str] = []

    def stash(m: re.Match) -> str:
        tokens.append(_token_html(m.group(1), people, channels))
        return f"\x00{len(tokens) - 1}\x00"

    text = _TOKEN.sub(stash, text)
    text = text.replace('"', "&quot;")
    text = re.sub(r"```(.+?)```", lambda m: f"<pre>{m.group(1)}</pre>", text, flags=re.S)
    text = re.sub(r"`([^`\n]+)`", r"<code>\1</code>", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", text)
    text = re.sub(r"(?<![\w~])~([^~\n]+)~(?![\w~])", r"<s>\1</s>", text)
    text = _emoji(text)
    lines, out, quote = text.split("\n"), [], []
    for line in lines:
        if line.startswith(">") or line.startswith("&gt;"):
            quote.append(re.sub(r"^(>|&gt;)\s?", "", line))
            continue
        if quote:
            out.append('<div class="quote">' + "<br>".join(quote) + "</div>")
            quote = []
        out.append(line + "<br>")
    if quote:
        out.append('<div class="quote">' + "<br>".join(quote) + "</div>")
    result = "".join(out).removesuffix("<br>")
    return re.sub(r"\x00(\d+)\x00", lambda m: tokens[int(m.group(1))], result)


def _text(obj: dict | None, people, channels) -> str:
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(obj.get("text", ""), people, channels)
    return _emoji(html.escape(obj.get("text", "")))


def _element(el: dict, people, channels) -> str:
    kind = el.get("type")
    if kind == "button":
        style = el.get("style", "")
        return f'<span class="btn {style}">{_text(el.get("text"), people, channels)}</span>'
    if kind == "image":
        return f'<img class="acc-img" src="{html.escape(el.get("image_url", ""))}" alt="{html.escape(el.get("alt_text", ""))}">'
    if kind in ("static_select", "external_select", "users_select", "conversations_select", "channels_select"):
        chosen = (el.get("initial_option") or {}).get("text") or el.get("placeholder") or {"text": "Select…"}
        return f'<span class="select">{_text(chosen, people, channels)} <span class="caret">▾</span></span>'
    if kind == "overflow":
        return '<span class="btn">⋯</span>'
    if kind == "datepicker":
        return f'<span class="select">📅 {html.escape(el.get("initial_date") or "Select a date")}</span>'
    if kind == "plain_text_input":
        value = el.get("initial_value")
        shown = html.escape(value) if value else f'<span class="ph">{_text(el.get("placeholder"), people, channels)}</span>'
        cls = "textarea" if el.get("multiline") else "textbox"
        return f'<div class="{cls}">{shown.replace(chr(10), "<br>")}</div>'
    if kind in ("checkboxes", "radio_buttons"):
        mark = "☐" if kind == "checkboxes" else "○"
        return "".join(f'<div class="opt">{mark} {_text(o.get("text"), people, channels)}</div>'
                       for o in el.get("options", []))
    return f'<span class="unknown">[{html.escape(str(kind))}]</span>'


def block_html(block: dict, people, channels) -> str:
    kind = block.get("type")
    if kind == "header":
        return f'<div class="header">{_text(block.get("text"), people, channels)}</div>'
    if kind == "divider":
        return '<hr class="divider">'
    if kind == "section":
        inner = ""
        if block.get("text"):
            inner += f'<div class="stext">{_text(block["text"], people, channels)}</div>'
        if block.get("fields"):
            inner += '<div class="fields">' + "".join(
                f'<div class="field">{_text(f, people, channels)}</div>' for f in block["fields"]) + "</div>"
        accessory = block.get("accessory")
        acc = f'<div class="accessory">{_element(accessory, people, channels)}</div>' if accessory else ""
        return f'<div class="section"><div class="sbody">{inner}</div>{acc}</div>'
    if kind == "context":
        parts = []
        for el in block.get("elements", []):
            if el.get("type") == "image":
                parts.append(f'<img class="ctx-img" src="{html.escape(el.get("image_url", ""))}" alt="">')
            else:
                parts.append(f"<span>{_text(el, people, channels)}</span>")
        return f'<div class="context">{"".join(parts)}</div>'
    if kind == "actions":
        return '<div class="actions">' + "".join(_element(e, people, channels) for e in block.get("elements", [])) + "</div>"
    if kind == "image":
        title = f'<div class="imgtitle">{_text(block.get("title"), people, channels)}</div>' if block.get("title") else ""
        src = block.get("image_url") or (block.get("slack_file") or {}).get("url", "")
        return (f'<div class="image">{title}<img src="{html.escape(src)}" alt="{html.escape(block.get("alt_text", ""))}">'
                "</div>")
    if kind == "input":
        optional = ' <span class="opt-label">(optional)</span>' if block.get("optional") else ""
        hint = f'<div class="hint">{_text(block.get("hint"), people, channels)}</div>' if block.get("hint") else ""
        return (f'<div class="input"><div class="label">{_text(block.get("label"), people, channels)}{optional}</div>'
                f'{_element(block.get("element") or {}, people, channels)}{hint}</div>')
    return f'<div class="unknown">[{html.escape(str(kind))} block]</div>'


def blocks_html(blocks: list[dict], people=None, channels=None) -> str:
    return "".join(block_html(b, people or {}, channels or {}) for b in blocks)


CSS = """
body { margin: 0; background: #fff; font-family: Lato, 'Liberation Sans', 'DejaVu Sans', sans-serif,
       'Noto Color Emoji'; font-size: 15px; line-height: 1.46668; color: #1d1c1d; }
.frame { padding: 16px 20px; width: 680px; }
.where { font-size: 12px; color: #616061; margin-bottom: 10px; border-bottom: 1px solid #eee; padding-bottom: 6px; }
.msg { display: flex; gap: 8px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #2eb67d; color: #fff; font-weight: 900;
          display: flex; align-items: center; justify-content: center; flex: none; font-size: 14px; }
.mbody { flex: 1; min-width: 0; }
.who { font-weight: 900; } .app { background: #e8e8e8; color: #616061; font-size: 10px; font-weight: 700;
      padding: 1px 3px; border-radius: 2px; margin: 0 4px; } .ts { color: #616061; font-size: 12px; }
.eph { color: #616061; font-size: 12px; margin-bottom: 2px; }
.header { font-size: 18px; font-weight: 900; margin: 8px 0 4px; }
.section { display: flex; gap: 12px; margin: 4px 0; } .sbody { flex: 1; min-width: 0; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 16px; margin-top: 6px; }
.context { color: #616061; font-size: 12px; margin: 6px 0; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.ctx-img { width: 16px; height: 16px; }
.divider { border: none; border-top: 1px solid #ddd; margin: 10px 0; }
.actions { display: flex; gap: 8px; flex-wrap: wrap; margin: 8px 0; }
.btn { display: inline-block; border: 1px solid #c6c6c6; border-radius: 4px; padding: 3px 12px; font-size: 14px;
       font-weight: 700; background: #fff; white-space: nowrap; }
.btn.primary { background: #007a5a; border-color: #007a5a; color: #fff; }
.btn.danger { color: #e01e5a; border-color: #e01e5a; }
.select, .textbox, .textarea { display: inline-block; border: 1px solid #c6c6c6; border-radius: 4px; padding: 4px 10px;
       font-size: 14px; min-width: 200px; box-sizing: border-box; }
.textbox, .textarea { display: block; width: 100%; } .textarea { min-height: 64px; }
.ph { color: #8d8d8d; } .caret { color: #616061; }
.mention { background: #e8f5fa; color: #1264a3; border-radius: 3px; padding: 0 2px; }
a { color: #1264a3; text-decoration: none; }
code { color: #e01e5a; background: #f6f6f6; border: 1px solid #ddd; border-radius: 3px; padding: 0 3px; font-size: 12px; }
pre { background: #f6f6f6; border: 1px solid #ddd; border-radius: 4px; padding: 8px; font-size: 12px; white-space: pre-wrap; }
.quote { border-left: 4px solid #ddd; padding-left: 10px; margin: 2px 0; }
.image img { max-width: 100%; border-radius: 4px; border: 1px solid #eee; } .imgtitle { font-size: 13px; color: #616061; }
.acc-img { width: 88px; height: 88px; border-radius: 4px; }
.input { margin: 12px 0; } .label { font-weight: 700; margin-bottom: 4px; } .opt-label { font-weight: 400; color: #616061; }
.hint { color: #616061; font-size: 12px; margin-top: 4px; }
.modal { width: 520px; border: 1px solid #ddd; border-radius: 8px; box-shadow: 0 4px 12px rgba(0,0,0,.15); }
.mtitle { font-size: 20px; font-weight: 900; padding: 14px 20px; border-bottom: 1px solid #ddd; }
.mbodyv { padding: 8px 20px; } .mfoot { display: flex; justify-content: flex-end; gap: 8px; padding: 12px 20px;
          border-top: 1px solid #ddd; }
.home { width: 760px; } .tabs { display: flex; gap: 16px; border-bottom: 1px solid #ddd; margin-bottom: 12px;
        font-weight: 700; color: #616061; } .tabs .on { color: #1d1c1d; border-bottom: 2px solid #1264a3; padding-bottom: 6px; }
.unknown { color: #e01e5a; }
.notif { font-size: 12px; color: #616061; margin-top: 10px; border-top: 1px dashed #ddd; padding-top: 6px; }
.thread { margin-top: 10px; border-left: 2px solid #ddd; padding-left: 10px; }
"""


def page(inner: str, *, where: str = "") -> str:
    where_html = f'<div class="where">{html.escape(where)}</div>' if where else ""
    return (f'<!doctype html><html><head><meta charset="utf-8"><style>{CSS}</style></head>'
            f'<body><div class="frame">{where_html}{inner}</div></body></html>')


def message_html(blocks: list[dict], *, text: str = "", people=None, channels=None, ephemeral: bool = False,
                 bot: str = "partnerbot", time: str = "9:02 AM", extra: str = "") -> str:
    eph = '<div class="eph">👁 Only visible to you</div>' if ephemeral else ""
    body = blocks_html(blocks, people, channels) if blocks else mrkdwn(text, people, channels)
    notif = f'<div class="notif">Notification / fallback text: {mrkdwn(text, people, channels)}</div>' if text else ""
    return (f'<div class="msg"><div class="avatar">pb</div><div class="mbody">{eph}<span class="who">{bot}</span>'
            f'<span class="app">APP</span><span class="ts">{time}</span>{body}{extra}{notif}</div></div>')


def modal_html(view: dict, people=None, channels=None) -> str:
    foot = ""
    if view.get("close"):
        foot += f'<span class="btn">{_text(view["close"], people, channels)}</span>'
    if view.get("submit"):
        foot += f'<span class="btn primary">{_text(view["submit"], people, channels)}</span>'
    return (f'<div class="modal"><div class="mtitle">{_text(view.get("title"), people, channels)}</div>'
            f'<div class="mbodyv">{blocks_html(view.get("blocks", []), people, channels)}</div>'
            f'<div class="mfoot">{foot}</div></div>')


def home_html(view: dict, people=None, channels=None) -> str:
    return (f'<div class="home"><div class="tabs"><span class="on">Home</span><span>Messages</span>'
            f'<span>About</span></div>{blocks_html(view.get("blocks", []), people, channels)}</div>')
