"""Proving the answers offline: replaying transcripts, and fitting when to answer from them.

transcripts  question transcripts with what each answer must hold, and their replay
calibration  the confidence rule fitted for one knowledge folder from its transcripts
review       which open gaps the knowledge (with its drafts, if asked) would answer now
"""

from bot.evaluation import calibration, review, transcripts

__all__ = ["calibration", "review", "transcripts"]
