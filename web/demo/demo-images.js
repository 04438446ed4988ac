// demo-images.js - the demo's sample signature and seal, drawn on a canvas
// when the page opens (no third-party images): a blue handwritten-looking
// stroke on a transparent background, and a red round seal. PNG bytes.

async function toPng(canvas) {
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  return new Uint8Array(await blob.arrayBuffer());
}

// 300 x 120, blue ink (#1030a0), alpha kept.
export async function signaturePng() {
  const c = document.createElement('canvas');
  c.width = 300;
  c.height = 120;
  const g = c.getContext('2d');
  g.strokeStyle = '#1030a0';
  g.lineCap = 'round';
  g.lineJoin = 'round';
  g.lineWidth = 4;
  g.beginPath();
  g.moveTo(20, 80);
  g.bezierCurveTo(40, 10, 70, 10, 70, 60);
  g.bezierCurveTo(70, 100, 95, 100, 110, 55);
  g.bezierCurveTo(125, 15, 150, 30, 140, 75);
  g.bezierCurveTo(135, 100, 175, 95, 190, 50);
  g.bezierCurveTo(200, 25, 220, 35, 225, 70);
  g.bezierCurveTo(230, 95, 260, 85, 280, 40);
  g.stroke();
  g.lineWidth = 2.5;
  g.beginPath();
  g.moveTo(30, 100);
  g.bezierCurveTo(110, 88, 190, 110, 285, 92);
  g.stroke();
  return toPng(c);
}

// 240 x 240, red (#d01010) double ring, star and text, alpha kept.
export async function sealPng() {
  const c = document.createElement('canvas');
  c.width = 240;
  c.height = 240;
  const g = c.getContext('2d');
  const red = '#d01010';
  g.strokeStyle = red;
  g.fillStyle = red;
  g.lineWidth = 7;
  g.beginPath();
  g.arc(120, 120, 112, 0, 2 * Math.PI);
  g.stroke();
  g.lineWidth = 3;
  g.beginPath();
  g.arc(120, 120, 82, 0, 2 * Math.PI);
  g.stroke();
  // Five-pointed star in the middle.
  g.beginPath();
  for (let i = 0; i < 10; i++) {
    const r = i % 2 ? 14 : 34;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    g.lineTo(120 + r * Math.cos(a), 120 + r * Math.sin(a));
  }
  g.closePath();
  g.fill();
  // Text around the ring, as a seal carries the organization's name.
  g.font = 'bold 17px sans-serif';
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  const text = 'ỦY BAN NHÂN DÂN TỈNH TIỀN GIANG ★';
  const step = (2 * Math.PI) / text.length;
  for (let i = 0; i < text.length; i++) {
    const a = -Math.PI / 2 + i * step;
    g.save();
    g.translate(120 + 97 * Math.cos(a), 120 + 97 * Math.sin(a));
    g.rotate(a + Math.PI / 2);
    g.fillText(text[i], 0, 0);
    g.restore();
  }
  return toPng(c);
}
