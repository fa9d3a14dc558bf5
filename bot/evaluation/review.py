"""Before publishing: which open gaps the knowledge would answer now, and by which passage.

`kb gaps --would-answer` asks each open gap's most asked wording again, of the knowledge as it is
(or, with `--drafts`, as it would be once every draft is published), so a moderator sees what an
import or an addition changes for the questions the bot could not answer before.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot import knowledge
from bot.answering import Answer, Answerer
from bot.catalogue import counted
from bot.knowledge import DRAFTS_DIR, draft_files
from bot.messages import quoted
from bot.records import Gap

_LEFT_OUT = {DRAFTS_DIR, "originals"}


@dataclass(frozen=True)
class Verdict:
    """One open gap asked again: the answer its most asked wording gets now."""

    gap: Gap
    answer: Answer

    @property
    def answered(self) -> bool:
        """Answered for sure: a hedged answer leaves the gap as it was."""
        return not self.answer.fallback and self.answer.passage_id is not None and not self.answer.hedged


def replay_gaps(answerer: Answerer, gaps: Iterable[Gap]) -> list[Verdict]:
    """Each gap's most asked wording, answered by `answerer`."""
    return [Verdict(gap, answerer.answer(gap.questions[0])) for gap in gaps]


def published_copy(knowledge_dir: Path, target: Path, live: Path | None = None) -> Path:
    """`target` made a copy of the folder's live files with every draft beside them, as `kb publish --all`
    would leave it (a draft whose ids clash with the live files makes loading the copy fail, naming it).
    `live`: where the live files are when not in the folder (a database's knowledge, exported)."""
    live = live or knowledge_dir
    target.mkdir(parents=True, exist_ok=True)
    for path in [*knowledge.knowledge_files(live), *draft_files(knowledge_dir)]:
        problem = knowledge.not_a_file(path)  # a folder named `faq.yaml`: loading says so of the live folder too
        if problem:
            raise knowledge.KnowledgeError(path, problem)
        shutil.copy2(path, target / path.name)
    for extra in live.iterdir():
        if extra.is_file() and extra.name not in _LEFT_OUT and not (target / extra.name).exists():
            shutil.copy2(extra, target / extra.name)  # synonyms.yaml, settings.yaml
    return target


def _chosen(answer: Answer) -> str:
    return f"{answer.passage_id} (hedged)" if answer.hedged else str(answer.passage_id)


def report(verdicts: list[Verdict], *, drafts: bool, limit: int | None = None) -> str:
    """The verdicts as lines: the gaps that would be answered (and by which passage), then a count
    (of the `limit` most asked, when that many were asked again: there may be more)."""
    state = "with the drafts published" if drafts else "as the knowledge is now"
    answered = [v for v in verdicts if v.answered]
    hedged = [v for v in verdicts if v.answer.hedged]
    lines = [
        f"{v.gap.id} ×{v.gap.count} {quoted(v.gap.questions[0])} -> {_chosen(v.answer)}" for v in answered + hedged
    ]
    more = f" ({len(hedged)} more only with a hedge)" if hedged else ""
    most = f"the {counted(len(verdicts), 'most asked open gap')}"
    asked = most if limit is not None and len(verdicts) >= limit else None
    whole = f"{asked} (--limit for more)" if asked else counted(len(verdicts), "open gap")
    lines.append(f"{len(answered)} of {whole} would be answered {state}{more}.")
    return "\n".join(lines)
