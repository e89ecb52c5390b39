"""Small charts drawn on the server as inline SVG: no JavaScript, no chart library, readable without colour.

`compliance_chart` computes the geometry; `supportdesk/_compliance_chart.html`
draws it, with a <title>, a description and a visually hidden table of the same
numbers. `team_daily_compliance` reads the series once (one aggregate query) for
the team page, whose view is shared with other work, so that both charts draw
from the same numbers.
"""

from dataclasses import dataclass

from django import template
from django.utils import timezone

from escalation import compliance
from escalation.compliance import DailyCompliance

register = template.Library()

# The drawing's own units (the viewBox); the SVG scales to the width of its container.
PLOT_LEFT = 36  # room for the percentage labels
PLOT_TOP = 8
PLOT_WIDTH = 300
PLOT_HEIGHT = 100
LABELS_BELOW = 22
PLOT_RIGHT_PADDING = 16  # room for half of the last day's label
BAR_SHARE_OF_STEP = 0.7
MIN_BAR_HEIGHT = 2  # a day at 0% still shows a mark, unlike a day without tickets
DAY_LABELS_AT_MOST = 7


@dataclass(frozen=True)
class Bar:
    day: DailyCompliance
    x: float
    y: float
    width: float
    height: float
    label_x: float
    labelled: bool  # whether the day's date is written under the axis


@dataclass(frozen=True)
class GridLine:
    percent: int
    y: float


@register.simple_tag
def team_daily_compliance(team) -> list[DailyCompliance]:
    """`{% team_daily_compliance team as series %}`: the last 30 days, today last."""
    return compliance.team_daily_compliance(team=team, now=timezone.now())


@register.inclusion_tag("supportdesk/_compliance_chart.html")
def compliance_chart(series: list[DailyCompliance], chart_id: str):
    """A bar per day: its height is the share of that day's tickets that never breached."""
    days = len(series)
    step = PLOT_WIDTH / days if days else PLOT_WIDTH
    bar_width = step * BAR_SHARE_OF_STEP
    label_every = max(1, -(-days // DAY_LABELS_AT_MOST))  # ceiling division
    bars = []
    for index, day in enumerate(series):
        height = 0.0 if day.percent is None else max(MIN_BAR_HEIGHT, PLOT_HEIGHT * day.percent / 100)
        x = PLOT_LEFT + index * step + (step - bar_width) / 2
        bars.append(
            Bar(
                day=day,
                x=round(x, 2),
                y=round(PLOT_TOP + PLOT_HEIGHT - height, 2),
                width=round(bar_width, 2),
                height=round(height, 2),
                label_x=round(x + bar_width / 2, 2),
                # the last day (today) is always labelled; then every `label_every` days before it
                labelled=(days - 1 - index) % label_every == 0,
            )
        )
    grid = [GridLine(percent=percent, y=PLOT_TOP + PLOT_HEIGHT * (100 - percent) / 100) for percent in (0, 50, 100)]
    return {
        "chart_id": chart_id,
        "series": series,
        "bars": bars,
        "grid": grid,
        "days": days,
        "first_day": series[0].day if series else None,
        "last_day": series[-1].day if series else None,
        "width": PLOT_LEFT + PLOT_WIDTH + PLOT_RIGHT_PADDING,
        "height": PLOT_TOP + PLOT_HEIGHT + LABELS_BELOW,
        "plot_left": PLOT_LEFT,
        "plot_right": PLOT_LEFT + PLOT_WIDTH,
        "axis_y": PLOT_TOP + PLOT_HEIGHT,
        "day_label_y": PLOT_TOP + PLOT_HEIGHT + 15,
        "percent_label_x": PLOT_LEFT - 4,
    }
