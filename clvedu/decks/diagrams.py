"""Native diagrams for the decks: boxes, arrows and labels a presenter can edit, each with alt text.

A :class:`Diagram` is data: nodes placed on a unit square (0 to 1 across and down the area the slide
gives the diagram), arrows between nodes, and an ``alt`` text that says in words what the diagram
shows. :func:`draw` puts it on a slide with python-pptx as one group of native shapes (rounded
rectangles, ellipses, lines and connectors with arrowheads), so it can be edited in PowerPoint or
Impress like anything drawn by hand; the group and every node carry a description (``descr``) that a
screen reader announces, and arrows and axes are marked decorative in their name.

The builders make the four diagrams of the exemplar from the deck context's numbers and words:

* :func:`decision_models`: the five-stage decision process, the loop that follows a purchase, and the
  business buyer's model beside them;
* :func:`journey_loop`: need -> search -> evaluate -> join -> use -> stay or leave -> win back, with each
  company's judged fit at each stage (from :mod:`clvedu.analysis.stage_fit`);
* :func:`positioning_map`: the companies placed by price (or the attribute buyers weigh most) and by the
  weighted score of the other attributes of journey.yaml;
* :func:`data_flow`: what each company collects, how it becomes the CLV's inputs, and the limits data
  protection law sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from clvedu.decks import text as textfit

NAVY = "1F4E79"
PALE = "DDE6F0"
WHITE = "FFFFFF"
GREY = "595959"
AMBER = "B8741A"  # the shared palette amber: 3.8:1 against white
LIGHT = "F2F2F2"
VERDICT_FILL = {"strong": "C6E0B4", "fair": "FFE699", "weak": "F8CBAD", "gap": "E7E6E6", "low priority": "F2F2F2"}
"""Fill of a judged fit: green strong, amber fair, red weak, grey gap; the words are always written too."""

MIN_POINTS = 14
"""Smallest text a diagram draws (points)."""


@dataclass(frozen=True)
class Line:
    text: str
    size: int = 16
    bold: bool = False
    color: str = "000000"


@dataclass(frozen=True)
class Node:
    """A box (or ellipse) at (x, y) with width w and height h, all shares of the diagram's area."""

    id: str
    lines: tuple[Line, ...]
    x: float
    y: float
    w: float
    h: float
    fill: str = PALE
    shape: str = "box"          # box, ellipse, band (a plain rectangle), label (text only)
    align: str = "center"
    alt: str = ""

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass(frozen=True)
class Arrow:
    """An arrow from one node's side to another's: sides are top, left, bottom, right."""

    start: str
    end: str
    start_side: str = "right"
    end_side: str = "left"
    color: str = GREY


@dataclass(frozen=True)
class Axis:
    """A straight line between two points of the unit square (axes of a map), with an arrowhead at the end."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Diagram:
    kind: str
    alt: str
    nodes: tuple[Node, ...]
    arrows: tuple[Arrow, ...] = ()
    axes: tuple[Axis, ...] = field(default_factory=tuple)

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    @property
    def text(self) -> str:
        """Every word the diagram shows, in node order (for tests and for the alt text's checks)."""
        return "\n".join(n.text for n in self.nodes)


# --- drawing ---------------------------------------------------------------------------------------------

_SITES = {"top": 0, "left": 1, "bottom": 2, "right": 3}
_SHAPES = {"box": MSO_SHAPE.ROUNDED_RECTANGLE, "ellipse": MSO_SHAPE.OVAL, "band": MSO_SHAPE.RECTANGLE,
           "label": MSO_SHAPE.RECTANGLE}


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color)


def _describe(shape, text: str) -> None:
    """Set the shape's description (its alt text) and keep its name short and meaningful."""
    c_nv_pr = shape._element.find(".//" + qn("p:cNvPr"))
    if c_nv_pr is not None:
        c_nv_pr.set("descr", textfit.shorten(text, 1000))


def _arrowhead(connector) -> None:
    ln = connector.line._get_or_add_ln()
    tail = ln.find(qn("a:tailEnd"))
    if tail is None:
        tail = ln.makeelement(qn("a:tailEnd"), {})
        ln.append(tail)
    tail.set("type", "triangle")
    tail.set("w", "med")
    tail.set("len", "med")


def _side_point(node: Node, side: str) -> tuple[float, float]:
    return {"top": (node.x + node.w / 2, node.y), "bottom": (node.x + node.w / 2, node.y + node.h),
            "left": (node.x, node.y + node.h / 2), "right": (node.x + node.w, node.y + node.h / 2)}[side]


def draw(shapes, diagram: Diagram, left: int, top: int, width: int, height: int) -> object:
    """Draw ``diagram`` into the area (EMU) as one group of native shapes; return the group."""
    group = shapes.add_group_shape()
    group.name = f"Diagram: {diagram.kind}"
    _describe(group, diagram.alt)

    def at(x: float, y: float) -> tuple[int, int]:
        return int(left + x * width), int(top + y * height)

    drawn = {}
    for node in diagram.nodes:
        x, y = at(node.x, node.y)
        w, h = int(node.w * width), int(node.h * height)
        shape = group.shapes.add_shape(_SHAPES[node.shape], x, y, w, h)
        shape.name = f"{diagram.kind}: {node.id}"
        shape.shadow.inherit = False
        if node.shape == "label":
            shape.fill.background()
            shape.line.fill.background()
        else:
            shape.fill.solid()
            shape.fill.fore_color.rgb = _rgb(node.fill)
            shape.line.color.rgb = _rgb(NAVY if node.shape != "band" else node.fill)
            shape.line.width = Pt(1)
        frame = shape.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        for side in ("margin_left", "margin_right"):
            setattr(frame, side, Pt(5))
        frame.margin_top = frame.margin_bottom = Pt(2)
        for i, line in enumerate(node.lines):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.alignment = PP_ALIGN.LEFT if node.align == "left" else PP_ALIGN.CENTER
            run = para.add_run()
            run.text = textfit.clean(line.text)
            run.font.size = Pt(max(MIN_POINTS, line.size))
            run.font.bold = line.bold
            run.font.color.rgb = _rgb(line.color)
        _describe(shape, node.alt or node.text)
        drawn[node.id] = shape
    by_id = {n.id: n for n in diagram.nodes}
    for arrow in diagram.arrows:
        a, b = by_id[arrow.start], by_id[arrow.end]
        x1, y1 = at(*_side_point(a, arrow.start_side))
        x2, y2 = at(*_side_point(b, arrow.end_side))
        connector = group.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, x1, y1, x2, y2)
        connector.begin_connect(drawn[arrow.start], _SITES[arrow.start_side])
        connector.end_connect(drawn[arrow.end], _SITES[arrow.end_side])
        connector.line.color.rgb = _rgb(arrow.color)
        connector.line.width = Pt(2)
        _arrowhead(connector)
        connector.name = f"{diagram.kind}: arrow {arrow.start} to {arrow.end} (decorative)"
        _describe(connector, f"Arrow from {a.lines[0].text} to {b.lines[0].text}")
    for i, axis in enumerate(diagram.axes):
        x1, y1 = at(axis.x1, axis.y1)
        x2, y2 = at(axis.x2, axis.y2)
        line = group.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, x1, y1, x2, y2)
        line.line.color.rgb = _rgb(GREY)
        line.line.width = Pt(1.5)
        _arrowhead(line)
        line.name = f"{diagram.kind}: axis {i + 1} (decorative)"
        _describe(line, "Axis of the map")
    return group


def emu_points(value: int) -> float:
    return Emu(value).pt


# --- the builders ------------------------------------------------------------------------------------------

def decision_models(stages: list[tuple[str, str]], loop_label: str, b2b_lines: list[str], alt: str) -> Diagram:
    """Five stage boxes in a row (``stages``: (name, what moves there)), a loop box under the last two
    with an arrow back to evaluation, and a business-buyer box (``b2b_lines``) under the first three."""
    n = len(stages)
    gap = 0.02
    w = (1.0 - gap * (n - 1)) / n
    nodes, arrows = [], []
    for i, (name, moves) in enumerate(stages):
        nodes.append(Node(f"s{i}", (Line(name, 16, True), Line(moves, 14)), i * (w + gap), 0.0, w, 0.34))
        if i:
            arrows.append(Arrow(f"s{i - 1}", f"s{i}"))
    loop_x = (n - 2) * (w + gap)
    nodes.append(Node("loop", (Line(loop_label, 15),), loop_x, 0.52, 2 * w + gap, 0.3, fill=LIGHT))
    arrows.append(Arrow(f"s{n - 1}", "loop", "bottom", "top"))
    arrows.append(Arrow("loop", f"s{min(2, n - 1)}", "left", "bottom"))
    if b2b_lines:
        nodes.append(Node("b2b", tuple(Line(t, 15, i == 0) for i, t in enumerate(b2b_lines)), 0.0, 0.44,
                          2 * w + gap, 0.56, fill=WHITE, align="left"))
    return Diagram("decision_models", alt, tuple(nodes), tuple(arrows))


def journey_loop(stages: list[tuple[str, str, list[tuple[str, str, str]]]], alt: str) -> Diagram:
    """The seven-stage loop: ``stages`` is (id, label, [(company, verdict word, verdict key)]) in loop order.
    The first four run left to right along the top, the last three right to left along the bottom, and an
    arrow runs from the last back to the third (a former customer evaluates again)."""
    top, bottom = stages[:4], stages[4:]
    gap = 0.025
    w = (1.0 - 3 * gap) / 4
    h = 0.4
    nodes, arrows = [], []

    def box(sid: str, label: str, fits: list[tuple[str, str, str]], x: float, y: float) -> Node:
        lines = [Line(label, 16, True)]
        for company, word, _ in fits:
            lines.append(Line(f"{company}: {word}", 14))
        worst = [key for _, _, key in fits]
        fill = VERDICT_FILL.get(worst[0], PALE) if len(set(worst)) == 1 else PALE
        return Node(sid, tuple(lines), x, y, w, h, fill=fill,
                    alt=f"{label}: " + "; ".join(f"{c} {word}" for c, word, _ in fits))

    for i, (sid, label, fits) in enumerate(top):
        nodes.append(box(sid, label, fits, i * (w + gap), 0.0))
        if i:
            arrows.append(Arrow(top[i - 1][0], sid))
    for j, (sid, label, fits) in enumerate(bottom):
        col = 3 - j
        nodes.append(box(sid, label, fits, col * (w + gap), 1.0 - h))
        previous = top[-1][0] if j == 0 else bottom[j - 1][0]
        arrows.append(Arrow(previous, sid, "bottom", "top") if j == 0 else Arrow(previous, sid, "left", "right"))
    if bottom and len(top) >= 3:
        arrows.append(Arrow(bottom[-1][0], top[2][0], "top", "bottom"))
    return Diagram("journey_loop", alt, tuple(nodes), tuple(arrows))


def positioning_map(points: list[tuple[str, float, float, str]], x_label: str, y_label: str,
                    x_range: tuple[float, float], y_range: tuple[float, float], alt: str) -> Diagram:
    """Companies as labelled ellipses on two axes: ``points`` is (name, x, y, caption)."""
    x0, x1 = x_range
    y0, y1 = y_range
    nodes = [Node("x_label", (Line(x_label, 14, color=GREY),), 0.12, 0.9, 0.86, 0.1, shape="label"),
             Node("y_label", (Line(y_label, 14, color=GREY),), 0.0, 0.0, 0.2, 0.84, shape="label", align="left")]
    pw, ph = 0.27, 0.22
    for i, (name, x, y, caption) in enumerate(points):
        fx = 0.22 + 0.72 * ((x - x0) / (x1 - x0) if x1 > x0 else 0.5)
        fy = 0.84 - 0.8 * ((y - y0) / (y1 - y0) if y1 > y0 else 0.5)
        left = min(max(fx - pw / 2, 0.21), 0.99 - pw)
        top = min(max(fy - ph / 2, 0.0), 0.86 - ph)
        nodes.append(Node(f"p{i}", (Line(name, 16, True), Line(caption, 14)), left, top, pw, ph,
                          fill=PALE if i % 2 == 0 else "FBE5D6", shape="ellipse",
                          alt=f"{name}: {caption}"))
    axes = (Axis(0.21, 0.87, 0.99, 0.87), Axis(0.21, 0.87, 0.21, 0.0))
    return Diagram("positioning_map", alt, tuple(nodes), (), axes)


def data_flow(rows: list[tuple[str, list[str], list[str]]], clv_lines: list[str], decide_lines: list[str],
              protection: list[str], alt: str) -> Diagram:
    """One row per company: (name, what it collects, how that becomes the inputs), both feeding one CLV
    box and one decisions box; a band under them gives the limits of data protection law."""
    n = max(1, len(rows))
    band_h = 0.2
    row_h = (1.0 - band_h - 0.06 - 0.04 * (n - 1)) / n
    nodes, arrows = [], []
    for i, (name, collects, inputs) in enumerate(rows):
        y = i * (row_h + 0.04)
        nodes.append(Node(f"collect{i}", (Line(f"{name} collects", 15, True),) + tuple(Line(t, 14) for t in collects),
                          0.0, y, 0.3, row_h, fill=WHITE, align="left"))
        nodes.append(Node(f"inputs{i}", (Line("Collated into the inputs", 15, True),) + tuple(Line(t, 14) for t in inputs),
                          0.34, y, 0.32, row_h, fill=PALE, align="left"))
        arrows.append(Arrow(f"collect{i}", f"inputs{i}"))
    span = n * row_h + 0.04 * (n - 1)
    nodes.append(Node("clv", tuple(Line(t, 15, j == 0) for j, t in enumerate(clv_lines)), 0.7, span / 2 - 0.16, 0.12, 0.32,
                      fill="FBE5D6"))
    nodes.append(Node("decide", tuple(Line(t, 14, j == 0) for j, t in enumerate(decide_lines)), 0.86, span / 2 - 0.22,
                      0.14, 0.44, fill=WHITE, align="left"))
    for i in range(len(rows)):
        arrows.append(Arrow(f"inputs{i}", "clv"))
    arrows.append(Arrow("clv", "decide"))
    nodes.append(Node("protection", tuple(Line(t, 14, j == 0, WHITE) for j, t in enumerate(protection)),
                      0.0, 1.0 - band_h, 1.0, band_h, fill=NAVY, shape="band", align="left"))
    return Diagram("data_flow", alt, tuple(nodes), tuple(arrows))
