"""Intake: discover inbox files, open them safely, read cells with their coordinates."""
