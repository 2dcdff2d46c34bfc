// Where each host sits in the picture: masters in a row on top, nodes round a ring below, so that the
// full mesh of tunnels between chassis shows as chords rather than lines running through other boxes.
// Hand-written, without a layout library: the picture is always these two tiers and a complete graph.

export interface Box {
  name: string;
  x: number;
  y: number;
}

export interface Layout {
  width: number;
  height: number;
  box: { w: number; h: number };
  boxes: Box[];
}

export const BOX = { w: 180, h: 62 } as const;
const MARGIN = 24;
const GAP = 28;
const MASTER_Y = MARGIN;
const NODE_TOP = MASTER_Y + BOX.h + 90;

/** x of the i-th of n boxes centred in `width`. */
function rowX(i: number, n: number, width: number): number {
  const total = n * BOX.w + (n - 1) * GAP;
  return (width - total) / 2 + i * (BOX.w + GAP);
}

/**
 * Three or more nodes go round an ellipse whose axes are in the ratio of a box's width to its height
 * (a complete graph's usual drawing): measured in box spacings it is a circle of radius r, and two
 * neighbours a chord 2r·sin(π/n) apart never overlap when that chord is at least √2 spacings.
 */
function ring(n: number): number {
  return Math.max(1.2, 1 / (Math.SQRT2 * Math.sin(Math.PI / n)));
}

export function layout(masters: readonly string[], nodes: readonly string[]): Layout {
  const [sx, sy] = [BOX.w + GAP, BOX.h + GAP];
  const r = nodes.length >= 3 ? ring(nodes.length) : 0;
  const [rx, ry] = [r * sx, r * sy];
  const width = Math.max(
    720,
    sx * Math.max(masters.length, nodes.length <= 2 ? 2 : 0) + 2 * MARGIN,
    2 * rx + sx + 2 * MARGIN,
  );
  const boxes: Box[] = masters.map((name, i) => ({ name, x: rowX(i, masters.length, width), y: MASTER_Y }));
  nodes.forEach((name, i) => {
    if (nodes.length <= 2) {
      // One or two nodes: a row, spread out so a tunnel between two is a long visible line.
      const x = nodes.length === 1 ? width / 2 : ((1 + 2 * i) * width) / 4;
      boxes.push({ name, x: Math.round(x - BOX.w / 2), y: NODE_TOP });
      return;
    }
    const theta = -Math.PI / 2 + (2 * Math.PI * i) / nodes.length;
    const [cx, cy] = [width / 2 + rx * Math.cos(theta), NODE_TOP + BOX.h / 2 + ry + ry * Math.sin(theta)];
    boxes.push({ name, x: Math.round(cx - BOX.w / 2), y: Math.round(cy - BOX.h / 2) });
  });
  const height = (nodes.length ? NODE_TOP + 2 * ry + BOX.h : MASTER_Y + BOX.h) + MARGIN;
  return { width: Math.ceil(width), height: Math.ceil(height), box: { ...BOX }, boxes };
}

/** The centre of a box. */
export const centre = (b: Box): { x: number; y: number } => ({ x: b.x + BOX.w / 2, y: b.y + BOX.h / 2 });
