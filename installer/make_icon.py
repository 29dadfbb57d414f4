"""Draw the program icon (a green shield with a white cross and a check mark) as PNG and Windows ICO.

Run once when the design changes: ``.venv/bin/python installer/make_icon.py``; the files it writes are committed
(resources/icons/yuangan.png for the window, yuangan.ico for the Windows program files).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "icons"
SIZE = 1024  # drawn large, scaled down smoothly


def draw() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    s = SIZE / 64  # a 64-unit grid
    # The shield: a rounded top and a point at the bottom.
    shield = [(8 * s, 8 * s), (32 * s, 3 * s), (56 * s, 8 * s), (56 * s, 30 * s), (32 * s, 61 * s), (8 * s, 30 * s)]
    pen.polygon(shield, fill=(18, 115, 84, 255))
    inner = [(12 * s, 11 * s), (32 * s, 7 * s), (52 * s, 11 * s), (52 * s, 29 * s), (32 * s, 56 * s), (12 * s, 29 * s)]
    pen.polygon(inner, fill=(31, 150, 110, 255))
    # The cross (health), white.
    pen.rounded_rectangle((27 * s, 14 * s, 37 * s, 40 * s), radius=2 * s, fill=(255, 255, 255, 255))
    pen.rounded_rectangle((19 * s, 22 * s, 45 * s, 32 * s), radius=2 * s, fill=(255, 255, 255, 255))
    # The check mark (inspected), amber, over the cross's lower right.
    pen.line([(33 * s, 41 * s), (39 * s, 47 * s), (52 * s, 33 * s)], fill=(245, 170, 35, 255), width=int(5 * s),
             joint="curve")
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    image = draw()
    image.resize((256, 256), Image.Resampling.LANCZOS).save(OUT / "yuangan.png", optimize=True)
    sizes = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
    image.resize((256, 256), Image.Resampling.LANCZOS).save(OUT / "yuangan.ico", sizes=sizes)
    print(f"wrote {OUT / 'yuangan.png'} and {OUT / 'yuangan.ico'}")


if __name__ == "__main__":
    main()
