"""The piece size for a path on a qBittorrent host: the browser app's analysis feeds the planner."""

from dataclasses import dataclass

from browser.analysis import Analysis, analyze
from presets.planner import Candidate, PiecePlan
from presets.services import InvalidInput, preset_chosen, preset_plan_pieces


@dataclass(frozen=True)
class PathPlan:
    analysis: Analysis
    plan: PiecePlan


def path_plan_pieces(
    *,
    user,
    path: str,
    instance_id: int | None = None,
    target_pieces: int | None = None,
    format: str | None = None,
    preset_id: int | None = None,
) -> PathPlan:
    """Analyze `path` as qBittorrent sees it, then plan its piece size (under a preset's rules)."""
    preset = preset_chosen(viewer=user, preset_id=preset_id)
    analysis = analyze(user=user, path=path, instance_id=instance_id)
    sizes_complete = analysis.total_size is not None and not analysis.truncated
    try:
        plan = preset_plan_pieces(
            viewer=user,
            total_size=analysis.total_size if sizes_complete else None,
            file_sizes=analysis.file_sizes if sizes_complete else None,
            file_count=analysis.files,
            format=format,
            target_pieces=target_pieces,
            preset=preset,
        )
    except InvalidInput as exc:
        # the sizes came from the path's content, not from fields the user sent
        content = {"total_size", "file_sizes", "file_count"}
        errors: dict[str, list[str]] = {}
        for field, messages in exc.errors.items():
            errors.setdefault("path" if field in content else field, []).extend(messages)
        raise InvalidInput(errors) from None
    return PathPlan(analysis=analysis, plan=plan)


def plan_candidate(plan: PiecePlan, *, piece_size: int) -> Candidate | None:
    """The plan's row for `piece_size` (0: the planner's recommendation); None when the content's
    size is unknown."""
    wanted = piece_size or plan.piece_size
    return next((row for row in plan.candidates if row.piece_size == wanted), None)
