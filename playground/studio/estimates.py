"""What a job in the form would cost, before Generate is pressed: the admission's own
estimate (usage/prices.py, as budgets.admit_generation counts it), for one result and for
the number chosen."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from playground.nexconn.media.schema import MediaModel
from playground.usage import prices


@dataclass(frozen=True)
class CostEstimate:
    kind: str  # "image" or "video"
    count: int  # how many results the job asks for
    seconds: Decimal  # the length of each video (0 for images)
    each: Decimal | None  # None: the model has no price
    total: Decimal | None

    @property
    def priced(self) -> bool:
        return self.total is not None


def cost_estimate(*, media: MediaModel, mode: str, values: Mapping[str, str]) -> CostEstimate:
    """`values`: the option fields as the form sends them (name → text); a value the form
    would refuse counts as its default, as it would once corrected."""
    if media.mode(mode) is None:
        mode = media.modes[0].name
    params, _errors = media.clean(mode=mode, prompt="", values=values, inputs={})
    one = {**params, "n": 1}
    images, seconds = prices.media_amounts(kind=media.kind, params=one, media_model=media)
    each = prices.media_cost(
        kind=media.kind, model=media.id, params=one, images=images, video_seconds=seconds
    )
    all_images, all_seconds = prices.media_amounts(
        kind=media.kind, params=params, media_model=media
    )
    total = prices.media_cost(
        kind=media.kind, model=media.id, params=params, images=all_images, video_seconds=all_seconds
    )
    count = all_images if media.kind == "image" else int(all_seconds / seconds)
    return CostEstimate(kind=media.kind, count=count, seconds=seconds, each=each, total=total)
