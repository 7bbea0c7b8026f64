"""A comparison as a file: every column's settings, every turn's answers and metrics."""

from playground.compare import selectors
from playground.compare.models import Comparison


def _name(column, revealed: bool) -> str:
    return column.model if revealed else f"Model {column.letter}"


def _metrics(run) -> dict:
    if run is None:
        return {}
    return {
        "status": run.status,
        "time_to_first_token_ms": run.time_to_first_token_ms,
        "tokens_per_second": run.tokens_per_second,
        "input_tokens": run.input_tokens,
        "output_tokens": run.output_tokens,
        "reasoning_tokens": run.reasoning_tokens,
        "cost": str(run.cost) if run.cost is not None else None,
        "duration_s": (
            round((run.finished_at - run.started_at).total_seconds(), 3)
            if run.finished_at and run.started_at
            else None
        ),
    }


def as_json(comparison: Comparison, *, revealed: bool) -> dict:
    columns = selectors.comparison_columns(comparison=comparison)
    turns = selectors.comparison_turns(comparison=comparison)
    return {
        "id": comparison.pk,
        "title": comparison.title,
        "kind": comparison.kind,
        "blind": comparison.blind,
        "tags": comparison.tag_list,
        "columns": [
            {
                "column": column.letter,
                "model": _name(column, revealed),
                "protocol": column.protocol if revealed else None,
                "settings": column.params if revealed else None,
            }
            for column in columns
        ],
        "turns": [
            {
                "prompt": turn.prompt,
                "answers": [
                    {
                        "column": entry.column.letter,
                        "text": entry.run.message.content if entry.run else None,
                        "images": (
                            [output.pk for output in entry.generation.outputs.all()]
                            if entry.generation
                            else None
                        ),
                        "metrics": _metrics(entry.run),
                    }
                    for entry in turn.entries.all()
                ],
                "votes": [
                    {
                        "outcome": vote.outcome,
                        "winner": vote.winner.letter if vote.winner_id else None,
                    }
                    for vote in turn.votes.all()
                ],
            }
            for turn in turns
        ],
    }


def as_markdown(comparison: Comparison, *, revealed: bool) -> str:
    data = as_json(comparison, revealed=revealed)
    lines = [f"# {data['title'] or 'Comparison'}", ""]
    for column in data["columns"]:
        settings = ", ".join(f"{k}={v}" for k, v in (column["settings"] or {}).items() if v)
        lines.append(
            f"- **{column['column']}**: {column['model']}" + (f" ({settings})" if settings else "")
        )
    for number, turn in enumerate(data["turns"], start=1):
        lines += ["", f"## Turn {number}", "", turn["prompt"]]
        for answer in turn["answers"]:
            metrics = answer["metrics"]
            figures = ", ".join(
                f"{key.replace('_', ' ')} {value}"
                for key, value in metrics.items()
                if value is not None and key != "status"
            )
            lines += ["", f"### {answer['column']}" + (f" — {figures}" if figures else ""), ""]
            lines.append(answer["text"] or "(images)" if answer["images"] else answer["text"] or "")
    return "\n".join(lines) + "\n"
