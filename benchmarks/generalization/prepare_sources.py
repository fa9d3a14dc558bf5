"""How the texts in sources/ were made from the documentation that Debian packages install.

Run once by hand (`python -m benchmarks.generalization.prepare_sources`, after
`apt-get install debian-faq debian-history debian-policy python3-doc`); the harness never runs it.
It only changes the format (plain-text or reStructuredText rendering to Markdown: headings
become `#` lines, wrapped lines are joined, link targets, markup roles, code samples and
directives are dropped) and cuts each document to the excerpt named here. Words are the
authors'; SOURCES.md gives origin and licence.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent / "sources"
PYDOC = Path("/usr/share/doc/python3.11/html/_sources")


def read(path: str | Path) -> str:
    p = Path(path)
    return gzip.open(p, "rt", encoding="utf-8").read() if p.suffix == ".gz" else p.read_text(encoding="utf-8")


def between(text: str, start: str, end: str | None) -> str:
    def find(needle: str, at: int) -> re.Match[str]:
        pattern = r"\s+".join(re.escape(w) for w in needle.split(" "))
        found = re.compile(pattern).search(text, at)
        if found is None:
            raise ValueError(needle)
        return found

    i = find(start, 0).start()
    j = find(end, i + 1).start() if end else len(text)
    return text[i:j]


_URL = re.compile(r"\s*\(\s*https?:[^)]*\)", re.S)
_BARE_URL = re.compile(r"\s*https?://\S+(?:\s*\(\s*https?:[^)]*\))?")


def paragraphs_to_md(blocks: list[tuple[str, str]]) -> str:
    out = []
    for kind, body in blocks:
        if kind == "h1":
            out.append("# " + body)
        elif kind == "h2":
            out.append("## " + body)
        elif kind == "h3":
            out.append("### " + body)
        elif kind == "list":
            out.append(body)
        else:
            out.append(body)
    return "\n\n".join(out) + "\n"


def clean_inline(s: str) -> str:
    s = s.replace("\\ ", "")
    s = re.sub(r":pep:`(\d+)`", r"PEP \1", s)
    s = re.sub(r":(?:issue|gh):`(\d+)`", r"issue \1", s)
    s = re.sub(r":ref:`([^`<]*?)\s*<[^>]*>`", r"\1", s)
    s = re.sub(r"`([^`<]+?)\s*<[^>]*>`__?", r"\1", s)  # `text <url>`_ -> text
    s = _URL.sub("", s)
    s = _BARE_URL.sub("", s)
    s = re.sub(r":[a-z]+(?::[a-z]+)?:`~?([^`<]*?)\s*(?:<[^>]*>)?`", r"\1", s)  # :func:`x` -> x
    s = re.sub(r"`([^`<]+?)\s*<[^>]*>`__?", r"\1", s)  # `text <url>`_ -> text
    s = re.sub(r"``([^`]+)``", r"\1", s)
    s = re.sub(r"`([^`]+)`_*", r"\1", s)
    s = re.sub(r"\*\*([^*]+)\*\*", r"\1", s)
    s = re.sub(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])", r"\1", s)
    s = re.sub(r"\s+\[\d+\]", "", s)  # footnote marks
    s = re.sub(r" +", " ", s)
    return s.strip()


def debian_txt(text: str) -> str:
    """The docbook plain-text rendering (Chapter N. / N.N. headings, indented paragraphs)."""
    blocks: list[tuple[str, str]] = []
    for raw in re.split(r"\n\s*\n", text):
        if not raw.strip():
            continue
        first = raw.lstrip("\n").splitlines()[0]
        joined = " ".join(raw.split())
        m = re.match(r"Chapter \d+\.\s+(.*)", joined)
        if m and not first.startswith(" "):
            blocks.append(("h1", m.group(1)))
            continue
        m = re.match(r"\d+(?:\.\d+)+\.\s+(.*)", joined)
        if m and not first.startswith(" "):
            blocks.append(("h2" if joined.count(".", 0, joined.index(" ")) == 2 else "h3", m.group(1)))
            continue
        if joined.startswith("* "):
            blocks.append(("list", "- " + clean_inline(joined[2:])))
            continue
        blocks.append(("p", clean_inline(joined)))
    # consecutive list items form one list block
    merged: list[tuple[str, str]] = []
    for kind, body in blocks:
        if kind == "list" and merged and merged[-1][0] == "list":
            merged[-1] = ("list", merged[-1][1] + "\n" + body)
        else:
            merged.append((kind, body))
    return paragraphs_to_md(merged)


_UNDER = {"*": "h1", "=": "h1", "-": "h2", "~": "h3", "^": "h3"}


def rst(text: str, levels: dict[str, str] | None = None) -> str:
    """reStructuredText: underlined headings; code samples and directives dropped."""
    levels = levels or _UNDER
    lines = text.splitlines()
    blocks: list[tuple[str, str]] = []
    para: list[str] = []
    skip_indent: int | None = None
    indent_of_para = 0  # the indent of the paragraph being gathered

    def flush() -> None:
        nonlocal para
        if para:
            joined = " ".join(" ".join(para).split())
            literal_follows = joined.endswith("::")
            if literal_follows:
                joined = joined[:-2].rstrip() + (":" if not joined[:-2].endswith(" ") else "")
                joined = joined.rstrip(" :") + ":" if joined.rstrip(" :") else ""
            if joined:
                if re.match(r"[*-] ", joined):
                    items = re.split(r"(?:^| )[*-] (?=\S)", " ".join(" ".join(para).split()))
                    body = "\n".join("- " + clean_inline(it) for it in items if it.strip())
                    blocks.append(("list", body))
                else:
                    blocks.append(("p", clean_inline(joined)))
        para = []

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if skip_indent is not None:
            if stripped and indent <= skip_indent:
                skip_indent = None
            else:
                i += 1
                continue
        if i + 1 < len(lines) and stripped and re.fullmatch(r"([=\-*~^])\1{2,}", lines[i + 1].strip()) and indent == 0:
            flush()
            blocks.append((levels.get(lines[i + 1].strip()[0], "h3"), clean_inline(stripped)))
            i += 2
            continue
        if re.fullmatch(r"([=\-*~^])\1{2,}", stripped):  # an overline: the title follows
            if i + 2 < len(lines) and lines[i + 2].strip() == stripped and lines[i + 1].strip():
                flush()
                blocks.append(("h1", clean_inline(lines[i + 1].strip())))
                i += 3
                continue
            i += 1
            continue
        if stripped.startswith(("+-", "+=", "| ", "|")) or stripped.startswith(".. If "):
            i += 1
            continue
        if re.match(r":[A-Za-z]+:(?:\s|$)", stripped) and not para:
            i += 1
            continue
        if stripped.startswith(".. "):
            flush()
            skip_indent = indent
            i += 1
            continue
        if not stripped:
            was_literal = bool(para) and " ".join(para).rstrip().endswith("::")
            flush()
            if was_literal:
                skip_indent = indent_of_para
            i += 1
            continue
        if not para:
            indent_of_para = indent
            if indent >= 4 and blocks and blocks[-1][0] != "p":
                pass
        if stripped.startswith((">>>", "...")):
            i += 1
            continue
        if re.match(r"[*-] ", stripped) and para and not re.match(r"[*-] ", para[0]):
            flush()
            indent_of_para = indent
        para.append(stripped)
        i += 1
    flush()
    return paragraphs_to_md(blocks)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    faq = read("/usr/share/doc/debian/FAQ/debian-faq.en.txt.gz")
    part = between(faq, "Chapter 1. Definitions and overview", "Chapter 2. Getting")
    part += "\n\n" + between(faq, "Chapter 6. The Debian archives", "6.4. What does the stable")
    (HERE / "debian-faq.md").write_text("# The Debian GNU/Linux FAQ\n\n" + debian_txt(part), encoding="utf-8")

    hist = read("/usr/share/doc/debian-history/docs/project-history.en.txt.gz")
    part = between(hist, "Chapter 1. Introduction", "    Debian 5.0 Lenny")
    (HERE / "debian-history.md").write_text("# A Brief History of Debian\n\n" + debian_txt(part), encoding="utf-8")

    pol = read("/usr/share/doc/debian-policy/policy.txt.gz")
    part = between(pol, "2. The Debian Archive\n****", "3. Binary packages\n****")
    part = re.sub(r"\n\[\d+\][^\n]*(?:\n {3,}[^\n]*)*", "\n", part)
    (HERE / "debian-policy-archive.md").write_text(
        "# Debian Policy Manual: The Debian Archive\n\n" + rst(part, {"*": "h1", "=": "h2", "-": "h3"}),
        encoding="utf-8",
    )

    gen = read(PYDOC / "faq/general.rst.txt")
    (HERE / "python-general-faq.md").write_text(
        rst(between(gen, ":tocdepth:", "Python in the real world")), encoding="utf-8"
    )

    sock = read(PYDOC / "howto/sockets.rst.txt")
    (HERE / "python-socket-howto.md").write_text(rst(sock), encoding="utf-8")

    news = read(PYDOC / "whatsnew/3.11.rst.txt")
    part = between(
        news, "****************************\n  What's New In Python 3.11", "New Features Related to Type Hints"
    )
    part += "\n\n" + between(news, "Faster CPython\n====", "FAQ\n---")
    (HERE / "python-3-11-release.md").write_text(rst(part), encoding="utf-8")


if __name__ == "__main__":
    main()
