"""A new community's first day with `kb import`, from outside: the pages a club, a school or an
allotment association really saves (a Google Docs export, a plain-text FAQ of "Q:" and "A:" lines),
imported, published and asked through the command line as docs/importing.md says. The pages are
in tests/firstday/."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from bot import Answerer, knowledge
from bot.cli import main

PAGES = Path(__file__).parent / "firstday"


def kb(folder: Path, *argv: str) -> tuple[int, str]:
    """Run `kb ...` on `folder` in this process: its exit code and what it printed."""
    out = io.StringIO()
    code = main(["kb", *argv, "--knowledge", str(folder)], out=out)
    return code, out.getvalue()


def _published(tmp_path: Path, name: str) -> tuple[Path, dict[str, knowledge.Passage]]:
    """The page `name` imported and published into a new folder: the folder and its passages by id."""
    tmp_path.mkdir(exist_ok=True)
    page = tmp_path / name
    shutil.copy(PAGES / name, page)
    folder = tmp_path / "kb"
    assert kb(folder, "import", str(page))[0] == 0
    assert kb(folder, "publish", "--all")[0] == 0
    passages = {p.id: p for p, _ in knowledge.read_file(folder / f"{page.stem}.yaml")}
    return folder, passages


def test_a_faq_answer_is_its_words_without_the_a_mark(tmp_path: Path) -> None:
    """A FAQ of "Q:" and "A:" lines, in plain text or Markdown: the "Q:" was left out of the question
    but every answer began "A: " (or "Answer: "), and so did every reply the bot gave."""
    for name in ["chess-club-faq.txt", "choir-faq.md"]:
        folder, passages = _published(tmp_path / name.replace(".", "-"), name)
        texts = [p.text for p in passages.values()]
        assert texts and not [t for t in texts if t.startswith(("A:", "Answer:"))], texts
    folder, passages = _published(tmp_path / "again", "chess-club-faq.txt")
    reply = Answerer.from_directory(folder).answer("Is there parking?").text
    assert reply.startswith("Yes, free parking is available behind the community centre after 6pm.")


def test_a_google_docs_table_is_one_passage_of_its_rows(tmp_path: Path) -> None:
    """Google Docs exports a table with no header cells and each cell's text in a `<p>`: it was read
    as a table that lays out the page, and the lunch times became eight passages of one cell each
    ("Grade", "11:00 - 11:30"), none saying whose lunch it was."""
    _, passages = _published(tmp_path, "parent-handbook.html")
    schedule = [p.text for p in passages.values() if p.section == "Lunch schedule"]
    assert schedule == [
        "Grade, Lunch time. Kindergarten, 11:00 - 11:30. Grades 1-3, 11:30 - 12:00. Grades 4-5, 12:00 - 12:30."
    ]


def test_a_google_docs_link_shows_where_it_leads_not_googles_redirect(tmp_path: Path) -> None:
    """Google Docs exports every link through its redirect (`https://www.google.com/url?q=...&sa=D&...`):
    each reply showed that tracking address, not the school's payment page."""
    _, passages = _published(tmp_path, "parent-handbook.html")
    lunch = next(p.text for p in passages.values() if p.section == "Lunch")
    assert "the parent portal (https://pay.maplewood.example.org/)." in lunch
    assert "google.com" not in lunch


def test_a_google_docs_title_paragraph_titles_the_article(tmp_path: Path) -> None:
    """Google Docs exports no `<title>`, and writes the document's title as `<p class="title">`: the
    handbook was titled by its file's name ("Parent handbook" in every citation) and its title was an
    "Introduction" passage of four words."""
    _, passages = _published(tmp_path, "parent-handbook.html")
    folder = tmp_path / "kb"
    assert knowledge.read_file(folder / "parent-handbook.yaml")[0][0].source.title == (
        "Maplewood Elementary Parent Handbook"
    )
    assert "Maplewood Elementary Parent Handbook" not in [p.text for p in passages.values()]


def test_a_markdown_faq_of_a_bold_question_over_its_answer_heads_the_answer_with_it(tmp_path: Path) -> None:
    """A Markdown FAQ that writes each question in bold on the line over its answer (one paragraph):
    a bold line alone is a heading (docs/importing.md), but a bold question with its answer under it
    was a passage of "Introduction", the question typed word for word declined, and a bold line
    that asks nothing stays the paragraph it opens."""
    folder, passages = _published(tmp_path, "photo-society-faq.md")
    assert [(p.section, p.text) for p in passages.values()] == [
        ("Introduction", "Bring your own tripod. The club's two tripods are for the studio nights only."),
        ("How do I join?", "Fill in the form at any meeting and pay the 20 euro fee."),
        ("Can I borrow a camera?", "Yes, members can borrow one of our three cameras for a week."),
    ]
    reply = Answerer.from_directory(folder).answer("How do I join?").text
    assert reply.startswith("Fill in the form at any meeting")


def test_a_wordpress_posts_sharing_buttons_comments_and_sidebar_are_no_passages(tmp_path: Path) -> None:
    """A parish's WordPress post, as themes built on Underscores save it (`<div id="content">` around
    the post and the sidebar): its "Share this:" and "Like this:" buttons (Jetpack's), a reader's
    comment, the "Leave a Reply" form and the sidebar's "Recent Posts" were seven passages, and
    Margaret's question under the post was served as an answer."""
    folder, passages = _published(tmp_path, "parish-fete.html")
    assert [(p.section, p.text) for p in passages.values()] == [
        ("Introduction", "Our summer fete will be held on Saturday 6 July from 11am to 4pm on the church field."),
        ("Introduction", "There will be a cake stall, a tombola, a dog show and pony rides. Entry is free."),
        (
            "Volunteers",
            "We need volunteers to help set up on Friday evening. Please sign up at the back of the church.",
        ),
    ]
    assert "Bertie" not in Answerer.from_directory(folder).answer("Will the dog show have a class for older dogs?").text


def test_a_faq_in_another_language_has_its_question_and_answer_marks_left_out(tmp_path: Path) -> None:
    """A German FAQ writes "F:" (Frage) and "A:" (Antwort), a Spanish one "P:" (Pregunta) and "R:"
    (Respuesta), a French one "Q :" and "R :" (Réponse): the marks stayed in the sections and the
    answers ("F: Wann ist Spielabend?"), and the question typed word for word was declined."""
    expected = {
        "schachverein-faq.txt": ("Wann ist Spielabend?", "Jeden Freitag ab 19 Uhr im Vereinsheim."),
        "montana-faq.txt": (
            "¿Cuándo salen las excursiones?",
            "Salimos todos los domingos a las 8:00 desde la plaza mayor.",
        ),
        "chorale-faq.txt": ("Faut-il savoir lire la musique ?", "Non, beaucoup de choristes apprennent à l'oreille."),
    }
    for name, (section, text) in expected.items():
        folder, passages = _published(tmp_path / name.replace(".", "-"), name)
        first = next(iter(passages.values()))
        assert (first.section, first.text) == (section, text)
        assert Answerer.from_directory(folder).answer(section).text.startswith(text)


def test_a_notion_callouts_icon_is_no_passage(tmp_path: Path) -> None:
    """Notion's HTML export sets a callout's icon in a block of its own beside its text: "💡" was a
    passage, and /help offered it as a topic. A paragraph of no letter or digit says nothing; the
    callout's text, the toggles' questions over their answers and the table of loot stay."""
    _, passages = _published(tmp_path, "guild-handbook.html")
    assert [(p.section, p.text) for p in passages.values()] == [
        ("Raid nights", "We raid on Wednesday and Sunday at 20:00 server time. Be online 15 minutes early."),
        ("Raid nights", "Flasks and food are provided by the guild bank."),
        ("Loot rules", "Rank, Loot priority. Raider, First. Trial, Second."),
        ("How do I apply?", "Post in #applications with your character name and logs."),
        ("Can alts join?", "Yes, alts of members can join at any time."),
    ]


def test_a_faq_of_numbered_questions_keeps_each_question_over_its_answer(tmp_path: Path) -> None:
    """A scout group's FAQ numbers its marks ("Q1." over "A1."): "Q1." read as a sentence of its own,
    so the first question was no heading, and it and its answer were two "Introduction" passages, the
    pair split; the marks stayed in the sections and answers that were read."""
    folder, passages = _published(tmp_path, "scouts-faq.txt")
    assert [(p.section, p.text) for p in passages.values()] == [
        ("What age can my child join?", "Beavers start at 6, Cubs at 8 and Scouts at 10 and a half."),
        ("How much are subs?", "Subs are 25 pounds a term, with a discount for siblings."),
    ]
    reply = Answerer.from_directory(folder).answer("What age can my child join?").text
    assert reply.startswith("Beavers start at 6")


def test_a_word_pages_lists_are_lists(tmp_path: Path) -> None:
    """Word's "Save as Web Page" writes a list as paragraphs of class `MsoListParagraph...`, each
    beginning with its bullet ("·") or number and spaces: each item was a passage of its own,
    "· Each booking is for one hour." not saying what it was about. A list is one passage, as
    everywhere else, its items marked as the page shows them."""
    _, passages = _published(tmp_path, "tennis-rules.htm")
    assert [(p.section, p.text) for p in passages.values()] == [
        ("Introduction", "All members must follow these rules on the courts."),
        (
            "Court bookings",
            "• Courts can be booked up to 7 days ahead.\n• Each booking is for one hour.\n"
            "• Unused bookings are released after 10 minutes.",
        ),
        ("Dress code", "Non-marking tennis shoes must be worn on all courts."),
        ("Guests", "1. Sign the guest book at the clubhouse.\n2. Pay the 5 pound guest fee."),
    ]


def test_an_empty_word_list_paragraph_marks_nothing_after_it(tmp_path: Path) -> None:
    """A Word list paragraph left empty (`<p class=MsoListParagraph></p>`) gives its item's mark to no
    paragraph after it: "o" and "-" that begin the next paragraph are its words."""
    page = (
        "<html><body><h2>Kit</h2><p class=MsoListParagraph></p><p class=MsoNormal>o and x are the marks.</p>"
        "<p class=MsoListParagraph>- Bring a racket.</p></body></html>"
    )
    (tmp_path / "kit.htm").write_text(page, encoding="utf-8")
    folder = tmp_path / "kb"
    assert kb(folder, "import", str(tmp_path / "kit.htm"))[0] == 0
    drafted = [p.text for p, _ in knowledge.read_file(folder / "drafts" / "kit.yaml")]
    assert drafted == ["o and x are the marks.", "Bring a racket."]
