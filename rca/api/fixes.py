"""The fix library and learning from resolved incidents (rca.fixes)."""

from __future__ import annotations

__all__ = ["get_fix", "list_fixes", "load_fix_library", "record_feedback", "suggest_fixes"]


def load_fix_library(fixes_dirs=()):
    """The remediation library: shipped entries, then ``$RCA_FIXES_PATH``, then
    ``fixes_dirs`` (a later entry with the same id wins). -> :class:`rca.fixes.Library`."""
    from rca.fixes import Library

    return Library.load(extra_dirs=fixes_dirs)


def list_fixes(fixes_dirs=()):
    """All remediation entries (:class:`rca.fixes.FixEntry`), sorted by id."""
    return list(load_fix_library(fixes_dirs).entries)


def get_fix(fix_id, fixes_dirs=()):
    """One entry by id; an unknown id raises :class:`rca.errors.InputError`."""
    return load_fix_library(fixes_dirs).get(fix_id)


def suggest_fixes(clues, fixes_dirs=(), feedback=True, limit=5):
    """Suggestions for ``clues`` (``(service, text[, level[, metric]])``, most important
    first). ``feedback=True`` also learns from the user's resolved incidents (a
    :class:`rca.fixes.FeedbackStore` may be given instead)."""
    from rca.fixes import FeedbackStore

    store = FeedbackStore() if feedback is True else (feedback or None)
    return load_fix_library(fixes_dirs).suggest(clues, feedback=store, limit=limit)


def record_feedback(incident_id, fix_id, signature=None, fixes_dirs=()):
    """Record that ``fix_id`` resolved ``incident_id`` (``rca feedback``). Returns the stored
    incident (``id, signatures, services, created, fixes``) plus ``in_library``."""
    from rca.fixes import FeedbackStore

    store = FeedbackStore()
    store.record(incident_id, fix_id, signature=signature)
    info = store.incident(incident_id) or {"id": incident_id}
    info["in_library"] = fix_id in load_fix_library(fixes_dirs)
    return info
