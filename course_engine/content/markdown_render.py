"""The one Markdown renderer for content, followed by an nh3 allow-list sanitiser.

Everything an author writes that becomes HTML goes through ``render_markdown`` (blocks) or
``render_inline`` (a single line such as a quiz option). Plain-text fields (titles, summary,
choice text) go through ``plain_text``. Output never contains scripts, event handlers,
styles, frames or non-http(s)/mailto URLs, and links get ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

MediaUrl = Callable[[str], str]

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "u", "s", "del", "ins", "mark", "sub", "sup", "small",
        "abbr", "cite", "q", "a", "img", "ul", "ol", "li", "dl", "dt", "dd",
        "blockquote", "pre", "code", "kbd", "table", "thead", "tbody", "tfoot", "tr",
        "th", "td", "caption", "figure", "figcaption", "aside", "div", "span",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def clean_html(fragment: str) -> str:
    """Sanitise an HTML fragment with the content allow-list."""
    return _cleaner.clean(fragment)


class _MediaTreeprocessor(Treeprocessor):
    """Rewrite ``<img src>`` with the caller's ``media_url`` function."""

    def run(self, root: Element) -> None:
        media_url = getattr(self.md, "ce_media_url", None)
        if media_url is None:
            return
        for img in root.iter("img"):
            src = img.get("src")
            if src:
                img.set("src", media_url(src))


def _build() -> markdown.Markdown:
    md = markdown.Markdown(
        extensions=["tables", "attr_list", "fenced_code", "sane_lists"],
        extension_configs={"tables": {"use_align_attribute": True}},
        output_format="html",
    )
    md.treeprocessors.register(_MediaTreeprocessor(md), "ce_media", 0)
    return md


# Built once and reset between documents: building a Markdown instance is expensive.
_md = _build()

# Text matching these can be rendered without Markdown: plain paragraphs with at most
# **strong**, *em* and [text](https://...) links, and no characters HTML would escape. The
# result is byte-identical to Markdown + nh3 (tests compare them on thousands of strings).
_PLAIN_CLASS = r"A-Za-z0-9 ,.;:?!'\"()/%@$+=\-\u00a0-\U0010ffff"
_PLAIN_CHARS = re.compile(rf"[{_PLAIN_CLASS}\n\x00]*\Z")
_BLOCK_START = re.compile(r"^(?:[ \t]|\d+[.)]|[-+*][ \t]|[-*=][-*= \t]*$|#|>|!\[)", re.M)
_RISKY = re.compile(r" $|!\[|  |\x00", re.M)
_INNER = rf"[A-Za-z0-9][{_PLAIN_CLASS}]*?[A-Za-z0-9.!?)]"
_LINK = re.compile(rf"\[({_INNER}|[A-Za-z0-9])\]\((https?://[A-Za-z0-9._~/?#%+=:-]+)\)")
_STRONG = re.compile(rf"(?<!\*)\*\*({_INNER}|[A-Za-z0-9])\*\*(?!\*)")
_EM = re.compile(rf"(?<![*\x00])\*({_INNER}|[A-Za-z0-9])\*(?![*\x00])")
_TOKEN = re.compile(r"\x00(\d+)\x00")
_PARAS = re.compile(r"\n[ \t]*\n+")
_P_WRAP = re.compile(r"\A<p>(.*)</p>\Z", re.S)
_TAG = re.compile(r"<[A-Za-z!/?][^>]*>?")


def _fast_render(text: str) -> str | None:
    """Render simple text without Markdown, or return None if it is not simple."""
    if _BLOCK_START.search(text) or _RISKY.search(text):
        return None
    pieces: list[str] = []
    if "[" in text:
        text = _LINK.sub(
            lambda m: _stash(pieces, f'<a href="{m.group(2)}" rel="noopener noreferrer">{m.group(1)}</a>'),
            text,
        )
    if "*" in text:
        text = _STRONG.sub(lambda m: _stash(pieces, f"<strong>{m.group(1)}</strong>"), text)
        text = _EM.sub(lambda m: _stash(pieces, f"<em>{m.group(1)}</em>"), text)
    if _PLAIN_CHARS.match(text) is None:
        return None
    out = "\n".join(f"<p>{p.strip()}</p>" for p in _PARAS.split(text) if p.strip())
    if pieces:
        out = _TOKEN.sub(lambda m: pieces[int(m.group(1))], out)
    return out


def _stash(pieces: list[str], html_text: str) -> str:
    pieces.append(html_text)
    return f"\x00{len(pieces) - 1}\x00"


def render_markdown(text: str, media_url: MediaUrl | None = None) -> str:
    """Render Markdown to sanitised HTML.

    :param text: Markdown source.
    :param media_url: called with each image ``src`` as written; returns the URL to use.
    """
    text = text.strip("\n")
    if not text.strip():
        return ""
    fast = _fast_render(text)
    if fast is not None:
        return fast
    _md.reset()
    _md.ce_media_url = media_url
    try:
        out = _md.convert(text)
    finally:
        _md.ce_media_url = None
    return clean_html(out)


def render_inline(text: str, media_url: MediaUrl | None = None) -> str:
    """Render one short piece of Markdown without a wrapping paragraph."""
    out = render_markdown(text, media_url)
    match = _P_WRAP.match(out)
    if match and "<p>" not in match.group(1):
        return match.group(1)
    return out


def plain_text(text: object) -> str:
    """Return a plain-text field with anything that looks like an HTML tag removed.

    Plain-text fields are escaped by the templates anyway; removing tags keeps them readable
    and means no markup is ever stored in a spec.
    """
    if text is None:
        return ""
    text = str(text)
    return (_TAG.sub("", text) if "<" in text else text).strip()


def escape(text: str) -> str:
    """Escape text for use inside HTML."""
    return html.escape(text, quote=True)


# --- detection of unsafe markup in the source (reported as errors by the check) ---

_UNSAFE_TAG = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style|frame|frameset|base|meta|link|form|svg|math)\b", re.I)  # fmt: skip
_EVENT_ATTR = re.compile(r"<[^>]*?[\s/\"']on[a-z]+\s*=", re.I)
_STRIP_FOR_URL = re.compile(r"[\s\x00-\x1f]+")
_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "livescript:")
_DATA_LINK = re.compile(r"(\]\(\s*<?|href\s*=\s*[\"']?)\s*data:", re.I)


def may_contain_unsafe_markup(text: str) -> bool:
    """Quick test for a whole file: False means no line can contain unsafe markup."""
    if _UNSAFE_TAG.search(text) or _EVENT_ATTR.search(text) or _DATA_LINK.search(text):
        return True
    if ":" not in text:
        return False
    flat = _STRIP_FOR_URL.sub("", html.unescape(text)).lower()
    return any(scheme in flat for scheme in _BAD_SCHEMES)


def find_unsafe_markup(line: str) -> str | None:
    """Describe the unsafe markup on a source line, or return ``None``."""
    m = _UNSAFE_TAG.search(line)
    if m:
        return f"a <{m.group(1).lower()}> tag"
    if _EVENT_ATTR.search(line):
        return "an 'on...' event handler attribute"
    if ":" in line:
        flat = _STRIP_FOR_URL.sub("", html.unescape(line)).lower()
        for scheme in _BAD_SCHEMES:
            if scheme in flat:
                return f"a '{scheme.rstrip(':')}:' link"
        if _DATA_LINK.search(line):
            return "a 'data:' link"
    return None
