"""Proving the answers offline: replaying transcripts, and fitting when to answer from them.

transcripts  question transcripts with what each answer must hold, and their replay
calibration  the confidence rule fitted for one knowledge folder from its transcripts
"""

from bot.evaluation import calibration, transcripts

__all__ = ["calibration", "transcripts"]
