"""The procedural painter: (prompt, seed) -> a deterministic naive painting.

The embedded default backend for pictures. With no GPU and no model weights it
reads the words of a prompt (time of day, weather, terrain, motifs, colours)
and paints a simple picture with numpy gradients and Pillow shapes, so that a
built video is a watchable animatic: scenes look different, takes differ in
composition, and characters keep their identity (skin, hair, face) across ages.

Everything random comes from `numpy.random.Generator`s seeded with sha256 of
the inputs, so the same arguments give byte-identical pixels in any process.
The background never depends on the figures: adding a figure changes only the
pixels it covers (and its shadow).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from mvlang.backends.preview import VERSION

__all__ = ["Figure", "Scene", "analyse", "paint"]

RGB = tuple  # (r, g, b) floats or ints


@dataclass(frozen=True)
class Figure:
    name: str            # character name, e.g. "mia"
    description: str     # the character's description at that age
    age: float | None    # None when unknown (an adult is drawn)
    seed: int            # identity seed: skin, hair colour, face shape at every age


# -- randomness ----------------------------------------------------------------
def _generator(*parts) -> np.random.Generator:
    text = "\x1f".join(str(p) for p in ("mvlang-painter", VERSION) + parts)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "little")))


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.sha256(word.encode("utf-8")).digest()[:4], "little")


# -- words ---------------------------------------------------------------------
COLOURS: dict[str, RGB] = {
    "red": (205, 45, 45), "crimson": (180, 25, 50), "scarlet": (225, 40, 30),
    "maroon": (120, 30, 40), "burgundy": (125, 25, 45), "orange": (240, 130, 30),
    "amber": (245, 170, 40), "yellow": (245, 205, 45), "golden": (235, 180, 60),
    "gold": (235, 180, 60), "green": (60, 160, 70), "emerald": (30, 150, 90),
    "olive": (120, 125, 50), "lime": (150, 210, 60), "teal": (30, 140, 140),
    "turquoise": (50, 200, 190), "cyan": (40, 210, 230), "blue": (45, 95, 210),
    "navy": (30, 40, 100), "indigo": (70, 50, 150), "azure": (70, 150, 240),
    "purple": (130, 60, 170), "violet": (140, 80, 200), "lavender": (180, 160, 225),
    "lilac": (195, 160, 220), "magenta": (210, 50, 160), "pink": (240, 140, 180),
    "rose": (225, 110, 140), "white": (240, 240, 236), "ivory": (240, 235, 215),
    "cream": (240, 228, 200), "black": (30, 30, 34), "grey": (128, 128, 132),
    "gray": (128, 128, 132), "silver": (190, 192, 200), "brown": (115, 75, 45),
    "tan": (200, 160, 110), "beige": (215, 195, 160), "khaki": (180, 165, 110),
    "copper": (185, 100, 50), "bronze": (160, 110, 50), "denim": (70, 100, 150),
    "pastel": (230, 200, 220), "mint": (160, 225, 190), "coral": (245, 125, 100),
    "peach": (250, 190, 150), "ochre": (200, 140, 50), "rust": (170, 70, 35),
    "plaid": (160, 50, 50), "tartan": (150, 45, 50), "leather": (80, 50, 35),
    "tweed": (120, 105, 85), "khakis": (180, 165, 110), "jeans": (70, 100, 150),
}

HAIR: dict[str, RGB] = {
    "auburn": (145, 60, 30), "red": (185, 70, 30), "ginger": (200, 90, 35),
    "copper": (180, 85, 40), "strawberry": (215, 140, 90), "blonde": (228, 195, 115),
    "blond": (228, 195, 115), "golden": (225, 180, 90), "fair": (220, 190, 130),
    "brown": (105, 66, 38), "brunette": (95, 60, 35), "chestnut": (120, 65, 35),
    "dark": (45, 32, 28), "black": (28, 24, 24), "raven": (22, 20, 26),
    "grey": (150, 150, 152), "gray": (150, 150, 152), "silver": (200, 200, 206),
    "white": (236, 234, 230), "salt": (160, 158, 155), "pink": (235, 130, 170),
    "blue": (70, 110, 200), "purple": (130, 70, 160), "green": (70, 150, 90),
}
_AGED_HAIR = {"grey", "gray", "silver", "white", "salt"}

EYES: dict[str, RGB] = {
    "blue": (40, 105, 230), "green": (50, 150, 70), "brown": (95, 55, 28),
    "hazel": (135, 100, 45), "grey": (125, 140, 155), "gray": (125, 140, 155),
    "amber": (195, 130, 30), "dark": (50, 32, 22), "black": (30, 22, 18),
    "violet": (130, 80, 200), "emerald": (30, 160, 90),
}

SKIN: list[RGB] = [(255, 226, 200), (246, 204, 172), (234, 186, 146), (214, 160, 118),
                   (184, 128, 88), (150, 98, 64), (112, 72, 46), (88, 56, 38)]

TOPS = {"jacket", "coat", "raincoat", "shirt", "tshirt", "sweater", "jumper", "hoodie",
        "cardigan", "blouse", "top", "vest", "uniform", "suit", "tuxedo", "blazer",
        "parka", "cloak", "cape", "tunic", "sweatshirt", "anorak", "overcoat", "windbreaker",
        "shawl", "poncho", "kimono", "apron", "tee", "pullover", "waistcoat", "trenchcoat"}
LONG_TOPS = {"coat", "raincoat", "parka", "cloak", "overcoat", "trenchcoat", "anorak", "poncho",
             "cape", "kimono"}
FULL = {"dress", "gown", "robe", "overalls", "jumpsuit", "frock", "sundress", "nightgown"}
BOTTOMS = {"jeans", "trousers", "pants", "skirt", "shorts", "leggings", "slacks", "khakis"}
HATS = {"hat", "cap", "beanie", "beret", "bonnet", "helmet", "hood", "crown", "tiara"}
SHOES = {"boots", "shoes", "sneakers", "wellies", "wellingtons", "sandals", "heels"}

FEMALE = {"girl", "woman", "she", "her", "hers", "mother", "mom", "mum", "mommy", "grandmother",
          "grandma", "granny", "lady", "daughter", "sister", "wife", "bride", "queen", "princess",
          "aunt", "niece", "actress", "mrs", "ms", "miss", "girlfriend", "widow", "nana",
          "ballerina", "heroine", "maiden", "dress", "skirt", "gown", "pigtails"}
MALE = {"boy", "man", "he", "him", "his", "father", "dad", "daddy", "grandfather", "grandpa",
        "gentleman", "son", "brother", "husband", "groom", "king", "prince", "uncle", "nephew",
        "mr", "boyfriend", "widower", "beard", "bearded", "moustache", "mustache", "sir", "lad",
        "guy", "tuxedo"}

TIME_WORDS = {
    "night": "night", "midnight": "night", "starry": "night", "stars": "night", "nighttime": "night",
    "moonlit": "night", "moonlight": "night", "moon": "night", "nocturnal": "night",
    "sunset": "sunset", "evening": "sunset", "sundown": "sunset",
    "dusk": "dusk", "twilight": "dusk", "gloaming": "dusk",
    "sunrise": "sunrise", "dawn": "sunrise", "daybreak": "sunrise",
    "day": "day", "daytime": "day", "sunlit": "day", "sunny": "day", "noon": "day", "sunshine": "day",
    "afternoon": "day", "daylight": "day", "morning": "day", "midday": "day", "sun": "day",
}

WEAK_TIME = {"sun", "moon", "stars", "morning"}

GROUPS: dict[str, set[str]] = {
    "storm": {"storm", "thunderstorm", "thunder", "lightning", "tempest", "stormy", "hurricane",
              "gale", "thunderclouds"},
    "rain": {"rain", "rainy", "raining", "drizzle", "downpour", "rainstorm", "raindrops",
             "showers", "wet", "puddles", "puddle", "umbrella", "monsoon"},
    "snow": {"snow", "snowy", "winter", "snowfall", "blizzard", "snowing", "frost", "frozen",
             "snowflakes", "snowman", "wintry", "icy"},
    "fog": {"fog", "foggy", "mist", "misty", "haze", "hazy", "smoke"},
    "clouds": {"cloud", "clouds", "cloudy", "overcast"},
    "meadow": {"meadow", "meadows", "field", "fields", "grass", "grassy", "lawn", "garden",
               "park", "hill", "hills", "countryside", "farm", "prairie", "pasture", "valley",
               "orchard", "vineyard", "wildflowers", "playground", "backyard", "yard"},
    "sea": {"sea", "ocean", "beach", "shore", "coast", "waves", "bay", "harbour", "harbor",
            "seaside", "lake", "pond", "sailing", "surf", "lagoon", "pier", "coastline", "seashore",
            "river", "water", "tide"},
    "beach": {"beach", "shore", "sand", "sandy", "seaside", "seashore", "dunes"},
    "forest": {"forest", "woods", "trees", "tree", "jungle", "woodland", "pines", "pine", "oak",
               "grove", "wood"},
    "city": {"city", "street", "streets", "town", "neon", "downtown", "alley", "skyline",
             "buildings", "urban", "avenue", "skyscrapers", "metropolis", "sidewalk", "traffic",
             "rooftop", "rooftops", "village"},
    "neon": {"neon", "cyberpunk", "signs", "nightclub", "arcade"},
    "desert": {"desert", "dunes", "canyon", "sahara", "cactus", "cacti", "mesa", "arid"},
    "mountains": {"mountain", "mountains", "peaks", "peak", "alps", "alpine", "summit", "ridge",
                  "cliffs", "volcano"},
    "interior": {"room", "bedroom", "classroom", "kitchen", "hall", "ballroom", "gym",
                 "gymnasium", "prom", "inside", "indoors", "living", "library", "office",
                 "attic", "cafe", "restaurant", "bar", "church", "studio", "hospital",
                 "corridor", "hallway", "apartment", "nursery", "bathroom", "diner", "dance",
                 "party", "museum", "theatre", "theater", "basement", "lounge", "chapel"},
    "house": {"house", "home", "cottage", "cabin", "farmhouse", "barn", "hut"},
    "porch": {"porch", "veranda", "verandah", "deck", "patio", "terrace", "balcony", "stoop"},
    "fireflies": {"fireflies", "firefly", "glowworms", "sparks"},
    "candles": {"candles", "candle", "candlelight", "candlelit", "birthday"},
    "lanterns": {"lanterns", "lantern", "lampions"},
    "fire": {"fire", "campfire", "bonfire", "fireplace", "flames", "hearth", "torches", "torch"},
    "lights": {"fairy", "garland", "garlands", "festive", "christmas", "twinkling", "sparklers",
               "bulbs"},
    "bubbles": {"bubbles", "bubble", "soap"},
    "lighthouse": {"lighthouse", "beacon"},
    "flowers": {"flowers", "flower", "dandelions", "dandelion", "blossoms", "blossom", "daisies",
                "poppies", "tulips", "roses", "wildflowers", "sunflowers", "bloom", "blooming",
                "petals", "lavender"},
    "dandelions": {"dandelions", "dandelion", "seeds", "fluff"},
    "birds": {"birds", "bird", "gulls", "seagulls", "swallows", "flock", "doves"},
    "boat": {"boat", "sailboat", "ship", "yacht", "sail", "sailing", "canoe", "ferry"},
    "balloons": {"balloons", "balloon"},
    "kite": {"kite", "kites"},
    "rainbow": {"rainbow"},
    "clocks": {"clock", "clocks"},
    "autumn": {"autumn", "autumnal", "fall", "october", "november"},
}

CLASSROOM = {"classroom", "lesson", "blackboard", "chalkboard", "teacher", "homework"}
PARTY = {"prom", "ballroom", "dance", "party", "birthday", "celebration", "wedding", "disco", "festival"}
KITCHEN = {"kitchen", "cooking", "baking", "stove"}
ACTIONS_ONE_UP = {"chasing", "chases", "chase", "reaching", "reaches", "waving", "waves",
                  "pointing", "running", "runs", "catching", "throwing", "holding", "flying"}
ACTIONS_BOTH_UP = {"dancing", "dances", "dance", "jumping", "jumps", "celebrating", "cheering",
                   "twirling", "spinning", "arms", "joy", "laughing", "playing"}

# palettes for prompts whose words say nothing the painter knows: (sky top, horizon, ground near, ground far)
PLAUSIBLE = [
    ((70, 125, 200), (190, 215, 235), (95, 150, 70), (150, 180, 120)),     # pastoral
    ((95, 120, 180), (235, 200, 160), (170, 120, 60), (200, 160, 110)),    # autumn ochre
    ((110, 110, 190), (230, 190, 215), (120, 100, 160), (170, 150, 190)),  # lavender
    ((60, 130, 170), (190, 225, 225), (60, 130, 120), (130, 175, 160)),    # teal coast
    ((140, 120, 160), (245, 205, 170), (150, 95, 80), (195, 150, 130)),    # rose dusk
    ((80, 140, 190), (215, 225, 200), (140, 150, 70), (180, 190, 130)),    # olive hills
]

# what a colour word paints, from the noun that follows it ("golden field", "red sky", "blue walls")
TINT_NOUNS = {
    "sky": {"sky", "skies", "clouds", "cloud", "sunset", "sunrise", "dusk", "dawn", "light", "glow",
            "horizon", "twilight", "moon", "sun", "haze", "mist", "fog", "sunlight", "moonlight"},
    "ground": {"field", "fields", "grass", "meadow", "meadows", "wheat", "sand", "hills", "hill", "leaves",
               "forest", "trees", "ground", "dunes", "desert", "valley", "moss", "lawn", "earth", "corn",
               "prairie", "heather", "woods", "street", "streets", "road", "floor"},
    "water": {"sea", "ocean", "water", "lake", "waves", "river", "pond", "bay", "lagoon"},
    "wall": {"wall", "walls", "room", "wallpaper", "house", "kitchen", "bedroom", "classroom", "hall",
             "porch", "cottage"},
}

_TOKEN = re.compile(r"[a-z]+|[,.;:()!?]")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("t-shirt", "tshirt").replace("-", " "))


@dataclass
class Scene:
    """What the painter understood of a prompt."""
    time: str                       # day, sunrise, sunset, dusk, night
    weather: str                    # clear, clouds, rain, storm, snow, fog
    terrain: str                    # meadow, sea, beach, desert, snow, city, forest, interior, porch, plain
    motifs: frozenset               # group names present (bubbles, lighthouse, ...)
    colours: tuple                  # colour words of the prompt, as RGB, in order
    tints: dict                     # sky / ground / water / wall -> RGB, from "golden field", "red sky"
    palette: int                    # index into PLAUSIBLE from the hashed words
    understood: tuple               # the words that steered the picture
    arms: str                       # down, one, both


def analyse(prompt: str, negative: str = "") -> Scene:
    words = [w for w in _tokens(prompt) if w.isalpha()]
    banned = {w for w in _tokens(negative) if w.isalpha()}
    # a group is present when a word of the prompt names it and no word of the negative does
    present = {g for g, ws in GROUPS.items() if any(w in ws for w in words) and not banned & ws}
    understood = [w for w in words if w in TIME_WORDS or w in COLOURS
                  or any(w in ws for ws in GROUPS.values()) or any(w in ns for ns in TINT_NOUNS.values())]
    # time of day: the first time word of the prompt ("sun", "moon", "stars" only when none other)
    time = "day"
    for weak in (False, True):
        found = [w for w in words if w in TIME_WORDS and w not in banned and (w in WEAK_TIME) == weak]
        if found:
            time = TIME_WORDS[found[0]]
            break
    if "neon" in present and time == "day" and not any(w in TIME_WORDS for w in words):
        time = "night"
    if "fireflies" in present and time == "day" and not any(w in TIME_WORDS for w in words):
        time = "dusk"
    if (present & {"lanterns", "candles", "lights"} or set(words) & {"prom", "ballroom", "disco"}) \
            and time == "day" and not any(w in TIME_WORDS for w in words) and "rainbow" not in present:
        time = "night"
    weather = "clear"
    for g in ("storm", "snow", "rain", "fog", "clouds"):
        if g in present:
            weather = g
            break
    if weather == "snow" and "rain" in present and "storm" not in present:
        weather = "snow"
    # terrain (what lies under the figures)
    interior = "interior" in present or (
        "house" in present and not present & {"meadow", "sea", "forest", "city", "desert",
                                              "mountains", "porch"})
    if "porch" in present:
        terrain = "porch"
    elif interior:
        terrain = "interior"
    elif "city" in present:
        terrain = "city"
    elif "desert" in present:
        terrain = "desert"
    elif "sea" in present or "lighthouse" in present or "boat" in present:
        terrain = "beach" if "beach" in present else "sea"
    elif "meadow" in present or "flowers" in present:
        terrain = "meadow"
    elif "forest" in present:
        terrain = "forest"
    elif weather == "snow":
        terrain = "snow"
    elif "mountains" in present:
        terrain = "meadow"
    else:
        terrain = "plain"
    colours = tuple(COLOURS[w] for w in words if w in COLOURS)
    tints: dict = {}
    for i, w in enumerate(words):
        if w in COLOURS:
            for noun in words[i + 1:i + 3]:
                target = next((t for t, ns in TINT_NOUNS.items() if noun in ns), None)
                if target:
                    tints.setdefault(target, COLOURS[w])
                    break
    content = sorted({w for w in words if len(w) > 3})
    palette = _word_hash(" ".join(content)) % len(PLAUSIBLE)
    arms = "down"
    if any(w in ACTIONS_BOTH_UP for w in words):
        arms = "both"
    elif any(w in ACTIONS_ONE_UP for w in words):
        arms = "one"
    return Scene(time, weather, terrain, frozenset(present), colours, tints, palette,
                 tuple(dict.fromkeys(understood)), arms)


# -- colour helpers ------------------------------------------------------------
def _mix(a, b, t: float):
    return tuple(a[i] * (1 - t) + b[i] * t for i in range(3))


def _i(c, a: int | None = None):
    out = tuple(int(max(0, min(255, round(v)))) for v in c[:3])
    return out if a is None else out + (int(max(0, min(255, a))),)


def _shade(c, k: float):
    return tuple(v * k for v in c[:3])


class _Light:
    """The scene's light: daylight colours -> lit colours (multiply, add, desaturate)."""

    def __init__(self, scene: Scene, figure: bool = False):
        mult, add, desat = np.array([1.0, 1.0, 1.0]), np.zeros(3), 0.0
        t = scene.time
        if scene.terrain == "interior":
            mult = {"night": (0.78, 0.66, 0.52), "dusk": (0.9, 0.8, 0.7),
                    "sunset": (1.0, 0.88, 0.76)}.get(t, (1.0, 0.97, 0.92))
            mult = np.array(mult)
        else:
            mult = np.array({"day": (1.0, 1.0, 1.0), "sunrise": (1.0, 0.9, 0.85),
                             "sunset": (1.0, 0.8, 0.66), "dusk": (0.6, 0.52, 0.66),
                             "night": (0.3, 0.34, 0.5)}[t])
            add = np.array({"sunrise": (12, 4, 0), "sunset": (16, 4, 0), "night": (2, 4, 12),
                            "dusk": (6, 2, 10)}.get(t, (0, 0, 0)), dtype=float)
            w = scene.weather
            if w == "storm":
                mult, desat = mult * 0.62, 0.55
            elif w in ("rain", "clouds"):
                mult, desat = mult * (0.84 if w == "rain" else 0.94), 0.3 if w == "rain" else 0.15
            elif w == "snow":
                mult, desat, add = mult * 0.97, 0.15, add + np.array([0, 3, 10])
            elif w == "fog":
                desat = 0.35
        if scene.motifs & {"fire", "candles", "lanterns"}:
            add = add + np.array([10, 4, -2])
        if figure:      # the characters keep a key light, so the story stays readable
            mult, desat = np.sqrt(mult), desat * 0.5
        self.mult, self.add, self.desat = mult, add, desat
        self.fog = scene.weather == "fog"

    def __call__(self, c, a: int | None = None):
        v = np.asarray(c[:3], dtype=float) * self.mult + self.add
        if self.desat:
            g = v.mean()
            v = v * (1 - self.desat) + g * self.desat
        if self.fog:
            v = v * 0.72 + np.array([190, 194, 200]) * 0.28
        return _i(v, a)


# -- the drawing context ---------------------------------------------------------
class _Canvas:
    def __init__(self, image: Image.Image):
        self.image = image
        self.draw = ImageDraw.Draw(image, "RGBA")

    def ellipse(self, cx, cy, rx, ry, fill=None, outline=None, width=1):
        rx, ry = max(rx, 0.5), max(ry, 0.5)
        self.draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=fill, outline=outline,
                          width=max(1, round(width)))

    def rect(self, x0, y0, x1, y1, fill=None, outline=None, width=1):
        if x1 < x0:
            x0, x1 = x1, x0
        if y1 < y0:
            y0, y1 = y1, y0
        self.draw.rectangle((x0, y0, max(x1, x0 + 0.5), max(y1, y0 + 0.5)), fill=fill,
                            outline=outline, width=max(1, round(width)))

    def poly(self, pts, fill=None, outline=None, width=1):
        if len(pts) >= 3:
            self.draw.polygon([(float(x), float(y)) for x, y in pts], fill=fill, outline=outline,
                              width=max(1, round(width)))

    def line(self, pts, fill, width=1, round_caps=False):
        w = max(1, round(width))
        pts = [(float(x), float(y)) for x, y in pts]
        self.draw.line(pts, fill=fill, width=w, joint="curve" if len(pts) > 2 else None)
        if round_caps and w > 2:
            for x, y in (pts[0], pts[-1]):
                self.ellipse(x, y, w / 2, w / 2, fill=fill)

    def glow(self, cx, cy, r, colour, strength=1.0, core=None):
        """A soft light: rings of falling alpha, then a bright core."""
        steps = int(min(16, max(3, r / 4)))
        centre = min(0.9, 0.5 * strength)                   # opacity reached at the centre
        ring = 1 - (1 - centre) ** (1 / steps)
        for k in range(steps, 0, -1):
            rr = r * k / steps
            a = 255 * ring * 1.3 * ((steps - k + 1) / steps) ** 0.5
            self.ellipse(cx, cy, rr, rr, fill=_i(colour, a))
        if core is not None:
            self.ellipse(cx, cy, max(0.6, r * 0.16), max(0.6, r * 0.16), fill=_i(core, 255))


@dataclass
class _Layout:
    horizon: float      # y of the horizon / the floor line
    sun_x: float
    sun_y: float
    ground: float       # y where figures stand (mean)


# -- sky -----------------------------------------------------------------------------
SKY = {
    "day": ((58, 118, 204), (120, 170, 225), (186, 218, 240)),
    "sunrise": ((78, 98, 170), (200, 150, 170), (253, 200, 150)),
    "sunset": ((52, 56, 130), (190, 100, 120), (253, 150, 72)),
    "dusk": ((26, 30, 78), (92, 66, 120), (214, 128, 124)),
    "night": ((5, 8, 24), (12, 20, 50), (30, 44, 86)),
}


def _sky_colours(scene: Scene):
    top, mid, hor = SKY[scene.time]
    if scene.terrain == "plain" and scene.time == "day":
        p = PLAUSIBLE[scene.palette]
        top, hor = p[0], p[1]
        mid = _mix(top, hor, 0.5)
    w = scene.weather
    dark = scene.time == "night"
    if w == "storm":
        g = ((14, 15, 20), (26, 28, 36), (44, 46, 56)) if dark else ((42, 45, 55), (70, 74, 84), (108, 112, 120))
        top, mid, hor = (_mix(a, b, 0.85) for a, b in zip((top, mid, hor), g))
    elif w in ("rain", "clouds"):
        k = 0.65 if w == "rain" else 0.35
        g = ((20, 22, 30), (36, 40, 50), (56, 60, 72)) if dark else ((112, 122, 138), (150, 158, 170), (184, 188, 196))
        top, mid, hor = (_mix(a, b, k) for a, b in zip((top, mid, hor), g))
    elif w == "snow":
        g = ((30, 36, 56), (50, 58, 82), (80, 90, 115)) if dark else ((160, 176, 198), (196, 206, 222), (228, 232, 240))
        top, mid, hor = (_mix(a, b, 0.7) for a, b in zip((top, mid, hor), g))
    elif w == "fog":
        g = (60, 64, 72) if dark else (196, 200, 206)
        top, mid, hor = (_mix(a, g, 0.6) for a in (top, mid, hor))
    if "sky" in scene.tints:
        tint = scene.tints["sky"]
        hor = _mix(hor, tint, 0.5 if not dark else 0.2)
        mid = _mix(mid, tint, 0.3 if not dark else 0.1)
    elif scene.colours and not dark and scene.terrain != "interior":
        tint = tuple(np.mean(scene.colours, axis=0))
        hor = _mix(hor, tint, 0.12)
        mid = _mix(mid, tint, 0.06)
    return top, mid, hor


def _sky(scene: Scene, lay: _Layout, W: int, H: int) -> np.ndarray:
    top, mid, hor = (np.asarray(c, dtype=np.float32) for c in _sky_colours(scene))
    y = np.arange(H, dtype=np.float32)[:, None] / max(1.0, lay.horizon)
    y = np.clip(y, 0, 1)
    a = np.clip(y * 2, 0, 1)[..., None]
    b = np.clip(y * 2 - 1, 0, 1)[..., None]
    col = np.where(y[..., None] < 0.5, top + (mid - top) * a ** 0.9, mid + (hor - mid) * b ** 1.3)
    sky = np.broadcast_to(col, (H, W, 3)).astype(np.float32)
    # the glow around the sun (or the moon)
    if scene.weather not in ("storm", "rain") and scene.terrain != "interior":
        S = min(W, H)
        gc = {"day": (255, 245, 210), "sunrise": (255, 205, 150), "sunset": (255, 170, 90),
              "dusk": (235, 150, 140), "night": (110, 130, 180)}[scene.time]
        strength = {"day": 0.35, "sunrise": 0.6, "sunset": 0.7, "dusk": 0.4, "night": 0.25}[scene.time]
        if scene.weather in ("clouds", "fog", "snow"):
            strength *= 0.5
        xs = (np.arange(W, dtype=np.float32) - lay.sun_x) / (S * 0.45)
        ys = (np.arange(H, dtype=np.float32) - lay.sun_y) / (S * 0.45)
        d2 = xs[None, :] ** 2 + ys[:, None] ** 2
        g = (np.exp(-d2) * strength).astype(np.float32)[..., None]
        sky = sky + (np.asarray(gc, dtype=np.float32) - sky) * g
    return sky


# -- terrain profiles ---------------------------------------------------------------
def _profile(rng, W: int, base: float, amp: float, n: int = 48, waves: int = 3):
    amp = min(amp, W * 0.05)            # narrow pictures get gentle hills, not spikes
    xs = np.linspace(-2, W + 2, n)
    ys = np.full(n, base, dtype=float)
    for k in range(waves):
        f = rng.uniform(0.5, 2.5) * (k + 1) * 2 * math.pi / W
        ys += amp / (k + 1) * np.sin(xs * f + rng.uniform(0, 2 * math.pi))
    return xs, ys


def _band(cv: _Canvas, xs, ys, bottom: float, fill):
    pts = list(zip(xs, ys)) + [(xs[-1], bottom), (xs[0], bottom)]
    cv.poly(pts, fill=fill)


def _ridge(cv: _Canvas, rng, W, base, height, colour, snow=None):
    """A mountain range: a few peaks with straight flanks, jagged."""
    n = 80
    xs = np.linspace(-2, W + 2, n)
    peaks = int(rng.integers(2, 5))
    top = np.zeros(n)
    for _ in range(peaks):
        px = rng.uniform(-0.1, 1.1) * W
        ph = height * rng.uniform(0.55, 1.0)
        slope = ph / (W * rng.uniform(0.12, 0.28))
        top = np.maximum(top, ph - slope * np.abs(xs - px))
    top += rng.normal(0, height * 0.03, n)
    ys = base - np.maximum(top, 0)
    _band(cv, xs, ys, base + 2, colour)
    if snow is not None:
        thr = base - height * 0.68 + rng.normal(0, height * 0.03, n)
        above = ys < thr
        k = 0
        while k < n:                       # one cap per stretch of the ridge above the snow line
            if not above[k]:
                k += 1
                continue
            j = k
            while j + 1 < n and above[j + 1]:
                j += 1
            a, b = max(0, k - 1), min(n - 1, j + 1)
            pts = list(zip(xs[a:b + 1], ys[a:b + 1])) + list(zip(xs[b:a:-1], thr[b:a:-1]))
            cv.poly(pts, fill=snow)
            k = j + 1


# -- motifs --------------------------------------------------------------------------
def _clouds(cv, rng, W, H, lay, scene, light, count):
    S = min(W, H)
    dark = scene.weather == "storm" or scene.time == "night"
    for _ in range(count):
        cx = rng.uniform(-0.05, 1.05) * W
        cy = rng.uniform(0.04, 0.75) * lay.horizon
        size = S * rng.uniform(0.06, 0.14) * (1.6 if scene.weather == "storm" else 1.0)
        if scene.weather == "storm":
            base = (62, 64, 74) if not dark else (30, 31, 38)
            alpha = 210
        elif scene.weather == "rain":
            base, alpha = (150, 155, 166), 190
        elif scene.time == "night":
            base, alpha = (70, 80, 110), 110
        elif scene.time in ("sunset", "sunrise", "dusk"):
            base, alpha = (250, 190, 170), 200
        else:
            base, alpha = (252, 252, 255), 220
        top = _mix(base, (255, 255, 255), 0.25) if not dark else _mix(base, (120, 124, 140), 0.3)
        puffs = int(rng.integers(4, 8))
        for k in range(puffs):
            dx = (k / (puffs - 1) - 0.5) * size * 3.2 + rng.normal(0, size * 0.15)
            r = size * rng.uniform(0.55, 1.0) * (1 - abs(k / (puffs - 1) - 0.5))
            cv.ellipse(cx + dx, cy + size * 0.15, r * 1.3, r * 0.8, fill=_i(_shade(base, 0.85), alpha))
        for k in range(puffs):
            dx = (k / (puffs - 1) - 0.5) * size * 2.6 + rng.normal(0, size * 0.12)
            r = size * rng.uniform(0.5, 0.9) * (1 - 0.8 * abs(k / (puffs - 1) - 0.5))
            cv.ellipse(cx + dx, cy - r * 0.25, r, r * 0.8, fill=_i(top, alpha))


def _sun(cv, lay, S, scene):
    if scene.time == "night":
        return
    r = S * (0.05 if scene.time == "day" else 0.075)
    col = {"day": (255, 250, 225), "sunrise": (255, 220, 160), "sunset": (255, 190, 110),
           "dusk": (250, 170, 140)}[scene.time]
    cv.glow(lay.sun_x, lay.sun_y, r * 2.2, col, 1.0)
    cv.ellipse(lay.sun_x, lay.sun_y, r, r, fill=_i(col, 255))


def _moon_and_stars(cv, rng, W, H, lay, scene):
    S = min(W, H)
    n = int(W * lay.horizon / 2500) + 20
    xs = rng.uniform(0, W, n)
    ys = rng.uniform(0, lay.horizon * 0.95, n) ** 1.0
    bright = rng.uniform(0.3, 1.0, n)
    for x, y, b in zip(xs, ys, bright):
        if scene.weather in ("storm", "rain") and rng.random() < 0.85:
            continue
        r = max(0.6, S * 0.0022 * (0.5 + b))
        a = 255 * b * (1 - 0.6 * y / max(1, lay.horizon))
        cv.ellipse(x, y, r, r, fill=_i((255, 250, 235), a))
        if b > 0.93 and S > 200:
            cv.line([(x - r * 4, y), (x + r * 4, y)], _i((255, 250, 235), a * 0.5))
            cv.line([(x, y - r * 4), (x, y + r * 4)], _i((255, 250, 235), a * 0.5))
    if scene.weather in ("storm", "rain"):
        return
    r = S * 0.055
    mx, my = lay.sun_x, lay.sun_y
    cv.glow(mx, my, r * 3.0, (170, 190, 240), 0.8)
    cv.ellipse(mx, my, r, r, fill=(246, 242, 220, 255))
    for _ in range(4):
        a, d = rng.uniform(0, 2 * math.pi), rng.uniform(0, 0.6) * r
        cv.ellipse(mx + math.cos(a) * d, my + math.sin(a) * d, r * 0.16, r * 0.16, fill=(214, 210, 195, 160))


def _rain(cv, rng, W, H, scene, heavy):
    S = min(W, H)
    n = min(1400, int(W * H / (1500 if heavy else 2600)) + 10)
    slant = rng.uniform(0.1, 0.3) * (1 if rng.random() < 0.5 else -1)
    length = S * rng.uniform(0.035, 0.06)
    xs = rng.uniform(-0.1 * W, 1.1 * W, n)
    ys = rng.uniform(-length, H, n)
    ls = length * rng.uniform(0.6, 1.2, n)
    col = (200, 210, 225) if scene.time != "night" else (150, 165, 200)
    width = max(1, S / 700)
    for x, y, l, a in zip(xs, ys, ls, rng.uniform(60, 130, n)):
        cv.line([(x, y), (x + slant * l, y + l)], _i(col, a), width)


def _snowfall(cv, rng, W, H):
    S = min(W, H)
    n = min(900, int(W * H / 2600) + 10)
    for x, y, r in zip(rng.uniform(0, W, n), rng.uniform(0, H, n), rng.uniform(0.6, 1.8, n)):
        rr = max(0.7, r * S / 450)
        cv.ellipse(x, y, rr, rr, fill=(250, 252, 255, 220))


def _lightning(cv, rng, W, H, lay):
    S = min(W, H)
    x = rng.uniform(0.15, 0.85) * W
    y = rng.uniform(0, 0.1) * lay.horizon
    pts = [(x, y)]
    while y < lay.horizon * 0.98:
        y += rng.uniform(0.04, 0.09) * H
        x += rng.normal(0, 0.03) * W
        pts.append((x, min(y, lay.horizon)))
    cv.line(pts, (200, 210, 255, 50), S * 0.03)
    cv.line(pts, (220, 225, 255, 110), S * 0.012)
    cv.line(pts, (255, 255, 255, 255), max(1, S * 0.004))
    # a branch
    k = len(pts) // 2
    bx, by = pts[k]
    branch = [(bx, by)]
    for _ in range(3):
        bx += rng.uniform(0.02, 0.05) * W * (1 if rng.random() < 0.5 else -1)
        by += rng.uniform(0.03, 0.06) * H
        branch.append((bx, by))
    cv.line(branch, (255, 255, 255, 200), max(1, S * 0.0025))


def _waves(cv, rng, W, H, top, bottom, light, scene, count, water):
    S = min(W, H)
    storm = scene.weather == "storm"
    hi = light(_mix(water, (255, 255, 255), 0.45))
    lo = light(_shade(water, 0.7))
    for _ in range(count * 2):
        t = rng.uniform(0, 1) ** 1.5
        y = top + (bottom - top) * t
        half = S * (0.01 + 0.09 * t) * rng.uniform(0.5, 1.3)
        x = rng.uniform(-0.05, 1.05) * W
        c = hi if rng.random() < 0.5 else lo
        cv.line([(x - half, y), (x + half, y)], _i(c, 90 + 100 * t), max(1, S * (0.002 + 0.006 * t)))
    if storm:
        crest = light((230, 235, 235))
        for _ in range(count):
            t = rng.uniform(0, 1) ** 1.3
            y = top + (bottom - top) * t
            w = S * (0.02 + 0.12 * t) * rng.uniform(0.6, 1.3)
            x = rng.uniform(-0.05, 1.05) * W
            hgt = w * rng.uniform(0.18, 0.3)
            cv.poly([(x - w, y), (x - w * 0.2, y - hgt), (x + w * 0.15, y - hgt * 0.9), (x + w * 0.05, y - hgt * 0.5),
                     (x + w * 0.5, y)], fill=_i(lo, 200))
            cv.poly([(x - w * 0.35, y - hgt * 0.75), (x - w * 0.2, y - hgt), (x + w * 0.15, y - hgt * 0.9),
                     (x + w * 0.05, y - hgt * 0.55)], fill=_i(crest, 220))


def _reflection(cv, rng, x, top, bottom, W, colour, S):
    n = 26
    for k in range(n):
        t = k / n
        y = top + (bottom - top) * t ** 1.4
        half = S * (0.02 + 0.08 * t) * rng.uniform(0.5, 1.2)
        xx = x + rng.normal(0, S * 0.01)
        cv.line([(xx - half, y), (xx + half, y)], _i(colour, 150 * (1 - t * 0.6)), max(1, S * 0.004))


def _lighthouse(cv, rng, W, H, lay, light, scene, lit, beam_side):
    x = rng.uniform(0.14, 0.3) * W
    if rng.random() < 0.5:
        x = W - x
    base = lay.horizon + rng.uniform(0.04, 0.1) * H
    h = min(H * rng.uniform(0.42, 0.55), base * 0.85, W * 0.9)
    w = h * 0.16
    # the rock it stands on
    rock = light((112, 100, 88))
    cv.poly([(x - w * 3.2, base + h * 0.2), (x - w * 2.2, base - h * 0.02), (x - w * 0.6, base - h * 0.06),
             (x + w * 1.2, base - h * 0.05), (x + w * 2.6, base + h * 0.02), (x + w * 3.4, base + h * 0.22)],
            fill=rock, outline=light((60, 55, 50)), width=max(1, h * 0.008))
    cv.ellipse(x, base + h * 0.2, w * 3.6, h * 0.03, fill=_i(light((235, 240, 240)), 160))
    cv.poly([(x - w * 2.0, base + h * 0.02), (x - w * 0.6, base - h * 0.03), (x + w * 0.5, base + h * 0.05)],
            fill=_i(_shade(rock, 1.2)))
    top_y = base - h
    stripes = 5
    for k in range(stripes):
        y0 = base - h * 0.82 * k / stripes
        y1 = base - h * 0.82 * (k + 1) / stripes
        w0 = w * (1 - 0.3 * k / stripes)
        w1 = w * (1 - 0.3 * (k + 1) / stripes)
        col = (196, 40, 40) if k % 2 else (244, 242, 236)
        cv.poly([(x - w0 / 2, y0), (x + w0 / 2, y0), (x + w1 / 2, y1), (x - w1 / 2, y1)], fill=light(col))
    # shading of the tower: the right side darker
    cv.poly([(x, base), (x + w / 2, base), (x + w * 0.35, base - h * 0.82), (x, base - h * 0.82)],
            fill=(0, 0, 0, 40))
    gy = base - h * 0.82
    cv.rect(x - w * 0.48, gy - h * 0.02, x + w * 0.48, gy + h * 0.01, fill=light((40, 40, 44)))
    lamp_h = h * 0.1
    lamp = (255, 236, 150) if lit else light((250, 240, 200))
    cv.rect(x - w * 0.3, gy - h * 0.02 - lamp_h, x + w * 0.3, gy - h * 0.02, fill=_i(lamp, 255))
    cv.poly([(x - w * 0.42, gy - h * 0.02 - lamp_h), (x + w * 0.42, gy - h * 0.02 - lamp_h),
             (x, top_y)], fill=light((150, 30, 30)))
    ly = gy - h * 0.02 - lamp_h / 2
    if lit:
        d = beam_side
        far = W * 1.1 * d
        spread = h * 0.4
        for k, a in ((1.0, 28), (0.7, 30), (0.45, 34), (0.25, 40)):
            cv.poly([(x, ly - lamp_h * 0.3), (x + far, ly - spread * k), (x + far, ly + spread * k * 0.5),
                     (x, ly + lamp_h * 0.3)], fill=(255, 240, 175, a))
        cv.glow(x, ly, lamp_h * 2.5, (255, 230, 150), 1.4, core=(255, 255, 235))
    return x, base


def _skyline(cv, rng, W, H, base, light, scene, night, neon):
    S = min(W, H)
    layers = ((0.55, (120, 130, 150), 0.45), (1.0, (80, 86, 100), 0.3))
    for depth, colour, maxh in layers:
        x = -rng.uniform(0, 0.05) * W
        col = light(_mix(colour, (140, 150, 175), 0.3 if night else 0.0))
        while x < W:
            bw = rng.uniform(0.05, 0.13) * W * (0.7 + 0.3 * depth)
            bh = rng.uniform(0.12, maxh) * H * (0.7 + 0.5 * depth)
            top = base - bh
            shade = rng.uniform(0.85, 1.1)
            c = _i(_shade(col, shade))
            cv.rect(x, top, x + bw, base + 2, fill=c)
            if rng.random() < 0.3:
                cv.rect(x + bw * 0.4, top - bh * 0.12, x + bw * 0.46, top, fill=c)
            # windows
            ww, wh = max(1.0, S * 0.008 * depth + 1), max(1.0, S * 0.012 * depth + 1)
            gapx, gapy = ww * 2.2, wh * 2.0
            nx = int((bw - gapx) // gapx)
            ny = int((bh - gapy) // gapy)
            if nx > 0 and ny > 0 and depth == 1.0 or (nx > 0 and ny > 0 and night):
                lit_p = 0.45 if night else 0.0
                lit = rng.random((ny, nx)) < lit_p
                for j in range(ny):
                    for i in range(nx):
                        wx = x + gapx * 0.6 + i * gapx
                        wy = top + gapy * 0.7 + j * gapy
                        if lit[j, i]:
                            wc = (255, 214, 130) if rng.random() < 0.8 else (190, 220, 255)
                            cv.rect(wx, wy, wx + ww, wy + wh, fill=_i(wc, 230 * depth))
                        elif depth == 1.0:
                            cv.rect(wx, wy, wx + ww, wy + wh, fill=_i(_shade(c, 0.7 if night else 1.25)))
            x += bw + rng.uniform(0, 0.01) * W
    if neon:
        colours = [(255, 60, 180), (40, 230, 255), (170, 90, 255), (255, 80, 80), (90, 255, 150)]
        for k in range(int(rng.integers(4, 9))):
            c = colours[int(rng.integers(0, len(colours)))]
            nx = rng.uniform(0.02, 0.95) * W
            ny = base - rng.uniform(0.05, 0.3) * H
            if rng.random() < 0.5:
                w, h = S * rng.uniform(0.03, 0.05), S * rng.uniform(0.1, 0.2)
            else:
                w, h = S * rng.uniform(0.1, 0.22), S * rng.uniform(0.03, 0.05)
            cv.rect(nx - S * 0.01, ny - S * 0.01, nx + w + S * 0.01, ny + h + S * 0.01, fill=_i(c, 40))
            cv.rect(nx, ny, nx + w, ny + h, fill=(20, 16, 28, 255), outline=_i(c, 255), width=max(1, S * 0.005))
            # strokes of "letters"
            for j in range(int(rng.integers(2, 5))):
                if w > h:
                    lx = nx + w * (0.12 + 0.8 * j / 4)
                    cv.line([(lx, ny + h * 0.25), (lx + w * 0.1, ny + h * 0.75)], _i(_mix(c, (255, 255, 255), 0.4), 255),
                            max(1, S * 0.004))
                else:
                    ly = ny + h * (0.12 + 0.8 * j / 4)
                    cv.line([(nx + w * 0.25, ly), (nx + w * 0.75, ly + h * 0.08)], _i(_mix(c, (255, 255, 255), 0.4), 255),
                            max(1, S * 0.004))
            cv.glow(nx + w / 2, ny + h / 2, max(w, h) * 1.1, c, 1.0)


def _street(cv, rng, W, H, base, light, scene, night, neon):
    S = min(W, H)
    wet = scene.weather in ("rain", "storm")
    asphalt = light((70, 72, 78)) if not night else light((60, 62, 72))
    cv.rect(0, base, W, H, fill=asphalt)
    side = light((150, 148, 142))
    cv.rect(0, base, W, base + (H - base) * 0.12, fill=side)
    vx = rng.uniform(0.3, 0.7) * W
    y0 = base + (H - base) * 0.12
    # perspective lane marks
    for k in range(7):
        t0, t1 = (k + 0.2) / 7, (k + 0.6) / 7
        ya, yb = y0 + (H - y0) * t0 ** 1.5, y0 + (H - y0) * t1 ** 1.5
        wa, wb = S * 0.004 * (1 + 6 * t0), S * 0.004 * (1 + 6 * t1)
        cv.poly([(vx - wa, ya), (vx + wa, ya), (vx + wb, yb), (vx - wb, yb)], fill=_i(light((230, 220, 170)), 200))
    if wet:
        colours = [(255, 60, 180), (40, 230, 255), (255, 210, 120)] if neon else [(255, 210, 130), (200, 210, 230)]
        for _ in range(int(rng.integers(5, 12))):
            x = rng.uniform(0, W)
            c = colours[int(rng.integers(0, len(colours)))]
            for j in range(10):
                y = y0 + (H - y0) * rng.uniform(0.05, 1)
                w = S * rng.uniform(0.005, 0.02)
                cv.line([(x - w + rng.normal(0, S * 0.005), y), (x + w, y)], _i(c, 120 if night else 60),
                        max(1, S * 0.004))
    # street lamps
    for k in range(int(rng.integers(1, 4))):
        x = rng.uniform(0.05, 0.95) * W
        top = base - H * rng.uniform(0.25, 0.35)
        cv.line([(x, base + (H - base) * 0.05), (x, top)], light((40, 42, 48)), max(1, S * 0.006))
        cv.line([(x, top), (x + S * 0.04, top)], light((40, 42, 48)), max(1, S * 0.006))
        if night or scene.weather in ("rain", "storm"):
            cv.glow(x + S * 0.04, top + S * 0.01, S * 0.06, (255, 210, 130), 1.2, core=(255, 245, 210))


def _trees(cv, rng, W, H, base, light, scene, count, scale, snow, far=False):
    S = min(W, H)
    for _ in range(count):
        x = rng.uniform(-0.05, 1.05) * W
        y = base + rng.uniform(-0.01, 0.02) * H * (0.3 if far else 1)
        h = S * scale * rng.uniform(0.7, 1.3)
        conifer = rng.random() < (0.8 if scene.weather == "snow" or "mountains" in scene.motifs else 0.45)
        trunk = light((90, 62, 40))
        g = _mix((40, 110, 50), (70, 140, 60), rng.random())
        if far:
            g = _mix(g, (120, 150, 150), 0.35)
        if "autumn" in scene.motifs:
            g = _mix(g, (200, 110, 40), 0.7)
        leaf = light(g)
        cv.rect(x - h * 0.04, y - h * 0.3, x + h * 0.04, y, fill=trunk)
        if conifer:
            for k in range(3):
                yb = y - h * (0.15 + 0.25 * k)
                wb = h * (0.32 - 0.07 * k)
                cv.poly([(x - wb, yb), (x + wb, yb), (x, yb - h * 0.45)], fill=_i(_shade(leaf, 0.9 + 0.06 * k)))
                if snow:
                    cv.poly([(x - wb * 0.35, yb - h * 0.3), (x + wb * 0.35, yb - h * 0.3), (x, yb - h * 0.45)],
                            fill=light((245, 248, 252)))
        else:
            cy = y - h * 0.62
            for k in range(5):
                a = k * 2 * math.pi / 5 + rng.uniform(0, 1)
                r = h * rng.uniform(0.18, 0.26)
                cv.ellipse(x + math.cos(a) * h * 0.14, cy + math.sin(a) * h * 0.1, r, r * 0.9,
                           fill=_i(_shade(leaf, rng.uniform(0.85, 1.05))))
            cv.ellipse(x - h * 0.06, cy - h * 0.08, h * 0.15, h * 0.12, fill=_i(_shade(leaf, 1.15)))
            if snow:
                cv.ellipse(x, cy - h * 0.18, h * 0.2, h * 0.06, fill=light((245, 248, 252)))


def _house(cv, rng, W, H, base, light, scene, night):
    S = min(W, H)
    w = S * rng.uniform(0.22, 0.32)
    x = rng.uniform(0.1, 0.9) * W - w / 2
    h = w * 0.7
    wall = light(COLOURS.get(next((c for c in ("white", "yellow", "red", "blue") if c in scene.understood), ""),
                             (230, 215, 185)))
    cv.rect(x, base - h, x + w, base, fill=wall)
    cv.poly([(x - w * 0.08, base - h), (x + w * 1.08, base - h), (x + w / 2, base - h - w * 0.45)],
            fill=light((150, 60, 50)))
    cv.rect(x + w * 0.42, base - h * 0.55, x + w * 0.58, base, fill=light((110, 70, 45)))
    lit = night or scene.time == "dusk"
    for wx in (0.12, 0.7):
        c = (255, 210, 120) if lit else light((150, 190, 220))
        cv.rect(x + w * wx, base - h * 0.75, x + w * (wx + 0.18), base - h * 0.45, fill=_i(c, 255),
                outline=light((250, 250, 250)), width=max(1, S * 0.004))
        if lit:
            cv.glow(x + w * (wx + 0.09), base - h * 0.6, w * 0.18, (255, 200, 120), 0.6)


def _flowers(cv, rng, W, H, top, light, scene, count, dandelions):
    S = min(W, H)
    palette = [(230, 60, 60), (250, 210, 60), (250, 250, 245), (180, 110, 220), (250, 140, 180)]
    if scene.colours:
        palette = [tuple(c) for c in scene.colours] * 2 + palette
    for _ in range(count):
        t = rng.uniform(0, 1) ** 0.8
        y = top + (H - top) * t
        x = rng.uniform(0, W)
        r = S * (0.004 + 0.012 * t)
        if dandelions and rng.random() < 0.6:
            cv.line([(x, y), (x + r * 0.3, y + r * 4)], light((80, 130, 60)), max(1, r * 0.25))
            cv.ellipse(x, y, r * 1.6, r * 1.6, fill=_i(light((255, 255, 250)), 150))
            cv.ellipse(x, y, r * 0.5, r * 0.5, fill=_i(light((240, 235, 200)), 230))
        else:
            c = palette[int(rng.integers(0, len(palette)))]
            cv.line([(x, y), (x, y + r * 3)], light((70, 120, 50)), max(1, r * 0.3))
            for k in range(5):
                a = k * 2 * math.pi / 5
                cv.ellipse(x + math.cos(a) * r * 0.7, y + math.sin(a) * r * 0.7, r * 0.55, r * 0.55, fill=light(c))
            cv.ellipse(x, y, r * 0.4, r * 0.4, fill=light((250, 200, 60)))


def _grass_strokes(cv, rng, W, H, top, colour, light, count):
    S = min(W, H)
    for _ in range(count):
        t = rng.uniform(0, 1)
        y = top + (H - top) * t
        x = rng.uniform(0, W)
        l = S * (0.006 + 0.03 * t)
        c = _shade(colour, rng.uniform(0.75, 1.2))
        cv.line([(x, y), (x + rng.normal(0, l * 0.3), y - l)], light(c, 200), max(1, l * 0.12))


def _glowing_points(cv, rng, W, H, lay, kind, S, accent):
    if kind == "fireflies":
        n = int(rng.integers(25, 60))
        for _ in range(n):
            x = rng.uniform(0, W)
            y = lay.horizon * rng.uniform(0.45, 1.0) + (H - lay.horizon) * rng.uniform(0, 0.5) ** 2
            r = S * rng.uniform(0.006, 0.018)
            cv.glow(x, y, r, (220, 255, 120), 1.3, core=(250, 255, 200))
    elif kind == "lanterns":
        strings = int(rng.integers(1, 4))
        colours = [(255, 110, 60), (255, 190, 70), (250, 90, 120), (255, 150, 60), (240, 230, 200)]
        if accent:
            colours = list(accent) + colours
        for s in range(strings):
            y0 = H * rng.uniform(0.05, 0.3)
            sag = H * rng.uniform(0.04, 0.12)
            n = int(rng.integers(5, 10))
            pts = [(W * k / 20, y0 + sag * math.sin(math.pi * k / 20)) for k in range(21)]
            cv.line(pts, (40, 30, 30, 160), max(1, S * 0.002))
            for k in range(n):
                t = (k + 0.5) / n
                x = W * t
                y = y0 + sag * math.sin(math.pi * t) + S * 0.02
                r = S * rng.uniform(0.025, 0.045)
                c = colours[int(rng.integers(0, len(colours)))]
                cv.glow(x, y, r * 2.6, c, 0.9)
                cv.ellipse(x, y, r * 0.9, r, fill=_i(c, 255))
                cv.ellipse(x - r * 0.2, y - r * 0.2, r * 0.45, r * 0.55, fill=_i(_mix(c, (255, 255, 230), 0.6), 220))
                cv.rect(x - r * 0.4, y - r * 1.1, x + r * 0.4, y - r * 0.9, fill=(60, 40, 30, 255))
    elif kind == "lights":
        for s in range(int(rng.integers(1, 3))):
            y0 = H * rng.uniform(0.05, 0.35)
            sag = H * rng.uniform(0.03, 0.1)
            pts = [(W * k / 30, y0 + sag * math.sin(math.pi * k / 30)) for k in range(31)]
            cv.line(pts, (40, 40, 40, 150), max(1, S * 0.002))
            for x, y in pts[1:-1]:
                cv.glow(x, y + S * 0.008, S * 0.016, (255, 225, 150), 1.1, core=(255, 250, 220))
    elif kind == "candles":
        n = int(rng.integers(3, 8))
        for _ in range(n):
            x = rng.uniform(0.05, 0.95) * W
            y = rng.uniform(0.86, 0.98) * H
            h = S * rng.uniform(0.04, 0.08)
            w = h * 0.28
            cv.rect(x - w / 2, y - h, x + w / 2, y, fill=(245, 236, 215, 255))
            cv.glow(x, y - h - w * 0.8, h * 1.3, (255, 190, 90), 1.2)
            cv.ellipse(x, y - h - w * 0.8, w * 0.35, w * 0.8, fill=(255, 225, 130, 255))
            cv.ellipse(x, y - h - w * 0.6, w * 0.15, w * 0.35, fill=(255, 255, 235, 255))
    elif kind == "fire":
        x = rng.uniform(0.2, 0.8) * W
        y = rng.uniform(0.88, 0.96) * H
        r = S * rng.uniform(0.06, 0.1)
        cv.glow(x, y - r * 0.6, r * 3.5, (255, 150, 60), 1.2)
        for k in range(5):
            cv.line([(x - r * 0.9, y - r * 0.1 * k), (x + r * 0.9, y - r * 0.1 * (4 - k))], (90, 55, 35, 255),
                    max(1, r * 0.18))
        for c, s in (((230, 70, 30), 1.0), ((255, 150, 40), 0.7), ((255, 230, 120), 0.4)):
            pts = []
            for k in range(9):
                a = math.pi * k / 8
                rr = r * s * (1.6 if k % 2 else 0.9)
                pts.append((x - math.cos(a) * r * s * 0.8, y - r * 0.3 - math.sin(a) * rr * 1.3))
            cv.poly([(x - r * s * 0.8, y - r * 0.2)] + pts + [(x + r * s * 0.8, y - r * 0.2)], fill=_i(c, 255))


def _bubbles(cv, rng, W, H, S, light):
    n = int(rng.integers(12, 24))
    for _ in range(n):
        x, y = rng.uniform(0, W), rng.uniform(0.05, 0.8) * H
        r = S * rng.uniform(0.015, 0.05)
        cv.ellipse(x, y, r, r, fill=(230, 240, 255, 40), outline=(255, 255, 255, 170), width=max(1, r * 0.08))
        cv.draw.arc((x - r * 0.9, y - r * 0.9, x + r * 0.9, y + r * 0.9), 200, 260,
                    fill=(255, 255, 255, 230), width=max(1, int(r * 0.15)))
        cv.draw.arc((x - r * 0.92, y - r * 0.92, x + r * 0.92, y + r * 0.92), 20, 80,
                    fill=(200, 130, 255, 110), width=max(1, int(r * 0.1)))
        cv.draw.arc((x - r * 0.92, y - r * 0.92, x + r * 0.92, y + r * 0.92), 90, 140,
                    fill=(120, 230, 220, 110), width=max(1, int(r * 0.1)))


def _birds(cv, rng, W, lay, S, colour):
    for _ in range(int(rng.integers(3, 8))):
        x, y = rng.uniform(0.1, 0.9) * W, rng.uniform(0.1, 0.6) * lay.horizon
        s = S * rng.uniform(0.01, 0.025)
        cv.line([(x - s, y - s * 0.4), (x - s * 0.4, y - s * 0.6), (x, y)], colour, max(1, s * 0.15))
        cv.line([(x, y), (x + s * 0.4, y - s * 0.6), (x + s, y - s * 0.4)], colour, max(1, s * 0.15))


def _boat(cv, rng, W, lay, S, light):
    x = rng.uniform(0.15, 0.85) * W
    y = lay.horizon + S * rng.uniform(0.02, 0.08)
    s = S * rng.uniform(0.04, 0.08)
    cv.poly([(x - s, y - s * 0.2), (x + s, y - s * 0.2), (x + s * 0.7, y + s * 0.15), (x - s * 0.7, y + s * 0.15)],
            fill=light((120, 60, 40)))
    cv.line([(x, y - s * 0.2), (x, y - s * 1.6)], light((70, 50, 40)), max(1, s * 0.06))
    cv.poly([(x + s * 0.05, y - s * 1.5), (x + s * 0.05, y - s * 0.3), (x + s * 0.8, y - s * 0.3)],
            fill=light((250, 248, 240)))


def _balloons(cv, rng, W, H, S, accent):
    colours = list(accent) or [(230, 50, 50), (250, 200, 50), (60, 120, 230), (240, 120, 180)]
    for _ in range(int(rng.integers(3, 8))):
        x, y = rng.uniform(0.1, 0.9) * W, rng.uniform(0.1, 0.5) * H
        r = S * rng.uniform(0.03, 0.05)
        c = colours[int(rng.integers(0, len(colours)))]
        cv.line([(x, y + r * 1.2), (x + rng.normal(0, r), y + r * 4)], (60, 60, 60, 180), 1)
        cv.ellipse(x, y, r, r * 1.2, fill=_i(c, 255))
        cv.ellipse(x - r * 0.35, y - r * 0.45, r * 0.2, r * 0.3, fill=(255, 255, 255, 150))


def _rainbow(cv, W, H, lay, S, rng):
    cx = rng.uniform(0.3, 0.7) * W
    r = S * rng.uniform(0.5, 0.8)
    cols = [(230, 60, 60), (245, 150, 50), (245, 225, 70), (80, 190, 80), (70, 120, 230), (130, 80, 200)]
    w = r * 0.035
    for k, c in enumerate(cols):
        rr = r - k * w
        cv.draw.arc((cx - rr, lay.horizon - rr, cx + rr, lay.horizon + rr), 180, 360, fill=_i(c, 110),
                    width=max(1, int(w + 1)))


def _kite(cv, rng, W, H, S):
    x, y = rng.uniform(0.2, 0.8) * W, rng.uniform(0.1, 0.3) * H
    s = S * 0.05
    cv.poly([(x, y - s), (x + s * 0.7, y), (x, y + s * 1.3), (x - s * 0.7, y)], fill=(230, 60, 60, 255))
    cv.line([(x, y + s * 1.3), (x + s, y + s * 3), (x + s * 0.5, y + s * 5)], (60, 60, 60, 200), 1)


# -- interiors -------------------------------------------------------------------------
def _interior(cv, rng, W, H, lay, scene, light, words):
    S = min(W, H)
    floor_y = lay.horizon
    if "wall" in scene.tints:
        wall = _mix(scene.tints["wall"], (235, 225, 205), 0.35)
    elif scene.colours:
        wall = _mix(scene.colours[0], (235, 225, 205), 0.6)
    else:
        wall = [(232, 214, 180), (200, 215, 200), (215, 200, 220), (235, 200, 170), (190, 205, 225),
                (225, 225, 210)][scene.palette]
    party = bool(words & PARTY)
    if party:
        wall = _mix(wall, (90, 60, 120), 0.55)
    cv.rect(0, 0, W, floor_y, fill=light(wall))
    # wallpaper stripes
    sw = S * rng.uniform(0.04, 0.08)
    x = rng.uniform(0, sw)
    while x < W:
        cv.rect(x, 0, x + sw * 0.35, floor_y, fill=_i(light(_shade(wall, 0.94)), 255))
        x += sw
    # ceiling shadow and the floor
    cv.rect(0, 0, W, floor_y * 0.06, fill=(0, 0, 0, 35))
    floor = (150, 100, 60) if "classroom" not in words else (170, 140, 100)
    cv.rect(0, floor_y, W, H, fill=light(floor))
    vx = W * rng.uniform(0.35, 0.65)
    for k in range(-14, 15):
        xb = vx + k * W * 0.09
        cv.line([(vx + k * W * 0.03, floor_y), (xb, H)], light(_shade(floor, 0.75)), max(1, S * 0.003))
    for k in range(1, 7):
        y = floor_y + (H - floor_y) * (k / 7) ** 1.6
        cv.line([(0, y), (W, y)], _i(light(_shade(floor, 0.82)), 120), max(1, S * 0.002))
    cv.rect(0, floor_y - S * 0.02, W, floor_y, fill=light((245, 240, 230)))
    # a window showing the outside
    ww = S * rng.uniform(0.3, 0.42)
    wh = min(floor_y * 0.62, ww * 1.15)
    wx = rng.uniform(0.08, 0.92) * W - ww / 2
    wy = floor_y * rng.uniform(0.12, 0.2)
    outside = {"day": ((110, 170, 230), (200, 225, 245)), "sunrise": ((130, 140, 200), (250, 200, 160)),
               "sunset": ((90, 90, 170), (250, 150, 90)), "dusk": ((40, 40, 100), (190, 120, 130)),
               "night": ((10, 14, 40), (30, 40, 80))}[scene.time]
    if scene.weather in ("rain", "storm"):
        outside = tuple(_mix(c, (90, 95, 110), 0.6) for c in outside)
    steps = 12
    for k in range(steps):
        c = _mix(outside[0], outside[1], k / (steps - 1))
        cv.rect(wx, wy + wh * k / steps, wx + ww, wy + wh * (k + 1) / steps + 1, fill=_i(c, 255))
    if scene.time == "night":
        for _ in range(12):
            cv.ellipse(wx + rng.uniform(0, ww), wy + rng.uniform(0, wh * 0.7), 1, 1, fill=(255, 250, 230, 220))
        cv.ellipse(wx + ww * 0.7, wy + wh * 0.25, S * 0.025, S * 0.025, fill=(245, 240, 215, 255))
    elif scene.weather in ("rain", "storm"):
        for _ in range(40):
            x0, y0 = wx + rng.uniform(0, ww), wy + rng.uniform(0, wh)
            cv.line([(x0, y0), (x0 - S * 0.004, y0 + S * 0.02)], (210, 215, 230, 140), 1)
    else:
        cv.ellipse(wx + ww * 0.3, wy + wh * 0.95, ww * 0.6, wh * 0.2, fill=_i((110, 160, 90), 255))
    frame = light((250, 248, 240))
    fw = max(2, S * 0.012)
    cv.rect(wx, wy, wx + ww, wy + wh, outline=frame, width=fw)
    cv.line([(wx + ww / 2, wy), (wx + ww / 2, wy + wh)], frame, fw * 0.7)
    cv.line([(wx, wy + wh / 2), (wx + ww, wy + wh / 2)], frame, fw * 0.7)
    cv.rect(wx - fw, wy + wh, wx + ww + fw, wy + wh + fw * 1.5, fill=frame)
    # the room's furniture
    other = wx + ww + S * 0.1 if wx + ww / 2 < W / 2 else wx - S * 0.45
    if party:
        colours = [(230, 60, 70), (250, 200, 60), (70, 150, 230), (120, 200, 100), (240, 130, 190)]
        for row in range(int(rng.integers(1, 3))):
            y0 = floor_y * rng.uniform(0.06, 0.2)
            sag = floor_y * rng.uniform(0.05, 0.12)
            n = int(W / (S * 0.06)) + 1
            pts = [(W * k / n, y0 + sag * math.sin(math.pi * k / n)) for k in range(n + 1)]
            cv.line(pts, light((70, 60, 60)), max(1, S * 0.002))
            for k in range(n):
                (xa, ya), (xb, yb) = pts[k], pts[k + 1]
                c = colours[(k + row) % len(colours)]
                cv.poly([(xa, ya), (xb, yb), ((xa + xb) / 2, (ya + yb) / 2 + S * 0.05)], fill=light(c))
    elif any(w in words for w in CLASSROOM):
        bx = min(max(other, S * 0.05), W - S * 0.5)
        cv.rect(bx, floor_y * 0.2, bx + S * 0.45, floor_y * 0.65, fill=light((40, 80, 60)),
                outline=light((140, 100, 60)), width=S * 0.012)
        for k in range(3):
            y = floor_y * (0.3 + 0.1 * k)
            cv.line([(bx + S * 0.05, y), (bx + S * rng.uniform(0.15, 0.38), y + S * 0.01)], (230, 235, 230, 200),
                    max(1, S * 0.003))
    elif any(w in words for w in KITCHEN):
        cv.rect(0, floor_y - S * 0.22, W, floor_y, fill=light((200, 190, 170)))
        cv.rect(0, floor_y - S * 0.24, W, floor_y - S * 0.21, fill=light((120, 110, 100)))
        for k in range(int(W / (S * 0.18)) + 1):
            x = k * S * 0.18
            cv.rect(x + S * 0.01, floor_y - S * 0.19, x + S * 0.17, floor_y - S * 0.02,
                    outline=light((150, 140, 125)), width=max(1, S * 0.003))
    else:
        px = min(max(other + S * 0.1, S * 0.05), W - S * 0.25)
        pw, ph = S * 0.2, S * 0.15
        cv.rect(px, floor_y * 0.28, px + pw, floor_y * 0.28 + ph, fill=light((180, 130, 70)))
        cv.rect(px + pw * 0.1, floor_y * 0.28 + ph * 0.12, px + pw * 0.9, floor_y * 0.28 + ph * 0.88,
                fill=light(_mix((90, 140, 190), (240, 200, 120), rng.random())))
        cv.poly([(px + pw * 0.1, floor_y * 0.28 + ph * 0.88), (px + pw * 0.45, floor_y * 0.28 + ph * 0.45),
                 (px + pw * 0.9, floor_y * 0.28 + ph * 0.88)], fill=light((80, 130, 70)))


def _porch(cv, rng, W, H, lay, scene, light, night, S):
    floor_y = lay.horizon
    # the deck
    deck = (150, 105, 65)
    cv.rect(0, floor_y, W, H, fill=light(deck))
    n = 9
    for k in range(1, n):
        y = floor_y + (H - floor_y) * (k / n) ** 1.3
        cv.line([(0, y), (W, y)], light(_shade(deck, 0.7)), max(1, S * 0.003))
    # the house wall on one side
    left = rng.random() < 0.5
    ww = W * rng.uniform(0.22, 0.34)
    x0, x1 = (0, ww) if left else (W - ww, W)
    wall = scene.tints.get("wall", scene.colours[0] if scene.colours else (225, 215, 195))
    wall = _mix(wall, (230, 220, 200), 0.5)
    cv.rect(x0, 0, x1, floor_y, fill=light(wall))
    for k in range(int(floor_y / (S * 0.035)) + 1):
        y = k * S * 0.035
        cv.line([(x0, y), (x1, y)], light(_shade(wall, 0.85)), max(1, S * 0.003))
    winx = x0 + ww * 0.25
    wy, wh = floor_y * 0.3, floor_y * 0.38
    lit = night or scene.time in ("dusk", "sunset")
    cv.rect(winx, wy, winx + ww * 0.5, wy + wh, fill=_i((255, 205, 120) if lit else light((120, 160, 200)), 255),
            outline=light((250, 250, 250)), width=max(1, S * 0.01))
    if lit:
        cv.glow(winx + ww * 0.25, wy + wh * 0.5, ww * 0.5, (255, 200, 110), 0.7)
    # roof overhang, posts and railing
    cv.rect(0, 0, W, H * 0.06, fill=light((110, 80, 55)))
    cv.rect(0, H * 0.06, W, H * 0.075, fill=(0, 0, 0, 60))
    post = light((235, 228, 215))
    rail_y = floor_y - H * 0.14
    xs = [x1 + W * 0.04] if left else [x0 - W * 0.04]
    for px in (W * 0.02, W * 0.98) + tuple(xs):
        cv.rect(px - S * 0.012, H * 0.06, px + S * 0.012, floor_y, fill=post)
    rx0, rx1 = (x1, W) if left else (0, x0)
    cv.rect(rx0, rail_y, rx1, rail_y + S * 0.015, fill=post)
    k = rx0
    while k < rx1:
        cv.rect(k, rail_y, k + S * 0.006, floor_y, fill=post)
        k += S * 0.035
    cv.rect(0, floor_y - S * 0.01, W, floor_y + S * 0.008, fill=light(_shade(deck, 0.6)))


# -- figures ---------------------------------------------------------------------------
@dataclass
class _Look:
    skin: RGB
    hair: RGB
    eyes: RGB
    striking: bool
    face_w: float
    female: bool
    style: str          # short, long, pigtails, ponytail, bun, curly, bald, bob
    top: RGB
    bottom: RGB
    dress: bool
    long_top: bool
    shoes: RGB
    hat: RGB | None
    glasses: bool
    beard: bool
    freckles: bool
    gap: bool
    scarf: RGB | None
    scale: float        # tall / short people


def _near(words, i, table, back=3):
    """The colour word in table just before words[i] (within `back` words, not across punctuation)."""
    for j in range(i - 1, max(-1, i - 1 - back), -1):
        w = words[j]
        if not w.isalpha():
            return None
        if w in table:
            return w
    return None


def _look(fig: Figure, age: float) -> _Look:
    ident = _generator("identity", fig.seed)
    skin = SKIN[int(ident.integers(0, len(SKIN)))]
    hair_name = ["brown", "black", "blonde", "auburn", "dark", "chestnut", "red", "brown"][int(ident.integers(0, 8))]
    hair = HAIR[hair_name]
    eyes = EYES[["brown", "blue", "green", "hazel", "brown", "dark"][int(ident.integers(0, 6))]]
    face_w = float(ident.uniform(0.86, 1.04))
    female_default = bool(ident.random() < 0.5)
    style_roll = float(ident.random())
    cloth = ident.integers(0, 256, 6)
    top = tuple(float(v) * 0.6 + 60 for v in cloth[:3])
    bottom = tuple(float(v) * 0.35 + 40 for v in cloth[3:])

    words = _tokens(fig.description)
    wset = set(words)
    female = (len(wset & FEMALE) > len(wset & MALE)) if wset & (FEMALE | MALE) else female_default
    # skin words
    if wset & {"pale", "fair"} and "hair" not in wset:
        skin = _mix(skin, SKIN[0], 0.6)
    if wset & {"tanned", "tan"}:
        skin = _mix(skin, SKIN[4], 0.4)
    hair_set = False
    striking = bool(wset & {"striking", "piercing", "bright", "vivid", "sparkling", "brilliant"})
    dress = long_top = False
    hat = scarf = None
    shoes = (60, 45, 35)
    top_set = bottom_set = False
    for i, w in enumerate(words):
        if w in ("hair", "haired", "curls", "locks", "pigtails", "ponytail", "braids", "braid", "bun", "beard"):
            c = _near(words, i, HAIR)
            if c:
                hair, hair_set = HAIR[c], True
        elif w in ("eyes", "eyed", "eye"):
            c = _near(words, i, EYES)
            if c:
                eyes = EYES[c]
                if any(words[j] in ("pale", "light", "icy") for j in range(max(0, i - 3), i)) and c == "blue":
                    eyes = (90, 160, 245)
        elif w in TOPS or w in FULL or w in BOTTOMS or w in HATS or w in SHOES or w == "scarf":
            c = _near(words, i, COLOURS)
            col = COLOURS[c] if c else None
            if w in ("jeans", "denim") and col is None:
                col = COLOURS["denim"]
            if w in FULL:
                dress = w != "overalls" or dress
                if col:
                    top = bottom = col
                    top_set = bottom_set = True
            elif w in TOPS:
                long_top = long_top or w in LONG_TOPS
                if col:
                    top, top_set = col, True
                    if w in ("suit", "tuxedo", "uniform") and not bottom_set:
                        bottom = col
            elif w in BOTTOMS:
                if w == "skirt":
                    dress = True
                if col:
                    bottom, bottom_set = col, True
            elif w in HATS:
                hat = col or (120, 60, 50)
            elif w in SHOES:
                if col:
                    shoes = col
            elif w == "scarf":
                scarf = col or (200, 50, 50)
    if "denim" in wset and not top_set and "jacket" in wset:
        top = COLOURS["denim"]
    # a lone hair-only word (blonde, auburn, redhead) anywhere
    if not hair_set:
        for w in words:
            if w in ("auburn", "blonde", "blond", "brunette", "ginger", "redhead", "chestnut"):
                hair, hair_set = HAIR.get(w, HAIR["red"]), True
                break
    style = ("long" if style_roll < 0.45 else "ponytail" if style_roll < 0.7 else "bob") if female else \
            ("short" if style_roll < 0.8 else "curly")
    for w, s in (("pigtails", "pigtails"), ("braids", "pigtails"), ("ponytail", "ponytail"), ("bun", "bun"),
                 ("curly", "curly"), ("curls", "curly"), ("afro", "curly"), ("bob", "bob"), ("long", "long"),
                 ("short", "short"), ("bald", "bald"), ("braid", "ponytail"), ("cropped", "short")):
        if w in wset:
            style = s
            break
    scale = 1.0
    for i, w in enumerate(words):
        if w in ("tall", "lanky"):
            scale = 1.06
        elif w in ("short", "petite", "small", "tiny") and not set(words[i + 1:i + 3]) & {"hair", "haired"}:
            scale = 0.94
    beard = bool(wset & {"beard", "bearded"}) and not female
    if bool(wset & {"moustache", "mustache"}) and not female:
        beard = beard or True
    return _Look(skin=skin, hair=hair, eyes=eyes, striking=striking, face_w=face_w, female=female,
                 style=style, top=top, bottom=bottom, dress=dress, long_top=long_top, shoes=shoes, hat=hat,
                 glasses=bool(wset & {"glasses", "spectacles", "bespectacled"}), beard=beard,
                 freckles="freckles" in wset or "freckled" in wset,
                 gap=bool(wset & {"gap", "toothed", "toothless"}) and age < 12, scarf=scarf, scale=scale)


def _stature(age: float) -> tuple[float, float]:
    """(height relative to an adult, head radius relative to the figure's height)."""
    pts_h = [(0, 0.36), (2, 0.5), (5, 0.62), (8, 0.72), (12, 0.85), (16, 0.97), (20, 1.0)]
    pts_r = [(0, 0.17), (2, 0.16), (5, 0.145), (8, 0.13), (12, 0.115), (16, 0.105), (20, 0.1)]
    a = min(max(age, 0), 20)
    return float(np.interp(a, *zip(*pts_h))), float(np.interp(a, *zip(*pts_r)))


def _draw_figure(cv: _Canvas, fig: Figure, cx: float, feet: float, adult_h: float, light, facing: int,
                 arms: str):
    age = 35.0 if fig.age is None or not math.isfinite(float(fig.age)) else max(0.0, float(fig.age))
    look = _look(fig, age)
    rel, hr = _stature(age)
    old = age >= 70
    elderly = age >= 60
    h = adult_h * rel * (0.94 if old else 1.0) * look.scale
    r = h * hr                      # head radius
    lw = max(1, h * 0.008)          # outline width
    skin = light(look.skin)
    skin_dark = light(_shade(look.skin, 0.8))
    hair = light(look.hair)
    hair_dark = light(_shade(look.hair, 0.75))
    top = light(look.top)
    top_dark = light(_shade(look.top, 0.7))
    bottom = light(look.bottom)
    ink = light((40, 30, 30))
    stoop = facing * h * (0.13 if old else 0.04 if elderly else 0.0)
    # the shadow on the ground
    cv.ellipse(cx, feet, h * 0.2, h * 0.03, fill=(0, 0, 0, 60))
    head_cy = feet - h + r
    head_cx = cx + stoop
    if old:
        head_cy += h * 0.05
    neck_y = head_cy + r * 0.95
    shoulder_y = neck_y + h * 0.02
    child = age < 13
    leg_len = h * (0.42 if age >= 16 else 0.36 + 0.06 * age / 16)
    hip_y = feet - leg_len
    sw = h * (0.13 if not child else 0.12 + 0.05 * (1 - age / 13))   # half shoulder width
    hw = sw * (0.85 if not look.female else 0.95)
    sh_cx = cx + stoop * 0.75
    # hair behind the head
    fw = r * look.face_w
    if look.style == "long":
        cv.poly([(head_cx - fw * 1.08, head_cy - r * 0.2), (head_cx + fw * 1.08, head_cy - r * 0.2),
                 (head_cx + fw * 1.2, head_cy + r * 1.9), (head_cx - fw * 1.2, head_cy + r * 1.9)], fill=hair)
    elif look.style == "bob":
        cv.ellipse(head_cx, head_cy + r * 0.15, fw * 1.18, r * 1.12, fill=hair)
    elif look.style == "curly":
        for k in range(9):
            a = math.pi * (0.95 + 1.1 * k / 8)
            cv.ellipse(head_cx + math.cos(a) * fw * 1.0, head_cy + math.sin(a) * r * 0.95 + r * 0.1,
                       r * 0.38, r * 0.38, fill=hair)
    elif look.style == "ponytail":
        d = -facing
        cv.ellipse(head_cx + d * fw * 1.05, head_cy + r * 0.3, r * 0.32, r * 0.75, fill=hair)
    elif look.style == "pigtails":
        for side in (-1, 1):
            px = head_cx + side * fw * 1.22
            cv.ellipse(px, head_cy + r * 0.55, r * 0.33, r * 0.62, fill=hair, outline=hair_dark, width=lw)
            cv.ellipse(head_cx + side * fw * 1.0, head_cy + r * 0.05, r * 0.14, r * 0.14,
                       fill=light((230, 60, 80)))
    # legs
    leg_w = max(1, h * (0.055 if not child else 0.07))
    for side in (-1, 1):
        lx = cx + side * hw * 0.45
        cv.line([(lx, hip_y), (lx + side * h * 0.01, feet - leg_w * 0.3)], bottom if not look.dress else skin, leg_w)
        cv.ellipse(lx + side * h * 0.01 + facing * leg_w * 0.3, feet - leg_w * 0.25, leg_w * 0.85, leg_w * 0.45,
                   fill=light(look.shoes))
    # body
    if look.dress:
        hem_y = hip_y + leg_len * (0.45 if not old else 0.65)
        cv.poly([(sh_cx - sw * 0.85, shoulder_y), (sh_cx + sw * 0.85, shoulder_y),
                 (cx + sw * 1.25, hem_y), (cx - sw * 1.25, hem_y)], fill=top, outline=top_dark, width=lw)
    else:
        if look.bottom is not None:
            cv.poly([(cx - hw, hip_y - h * 0.02), (cx + hw, hip_y - h * 0.02), (cx + hw * 0.95, hip_y + leg_len * 0.3),
                     (cx - hw * 0.95, hip_y + leg_len * 0.3)], fill=bottom)
        hem_y = hip_y + (leg_len * 0.4 if look.long_top else h * 0.01)
        cv.poly([(sh_cx - sw, shoulder_y), (sh_cx + sw, shoulder_y), (cx + hw * (1.15 if look.long_top else 1.0), hem_y),
                 (cx - hw * (1.15 if look.long_top else 1.0), hem_y)], fill=top, outline=top_dark, width=lw)
        if look.long_top:
            cv.line([(sh_cx, shoulder_y + h * 0.02), (cx, hem_y)], top_dark, lw)
            for k in range(3):
                cv.ellipse(sh_cx + (cx - sh_cx) * (k + 1) / 4 + h * 0.012,
                           shoulder_y + (hem_y - shoulder_y) * (k + 1) / 4, h * 0.006, h * 0.006, fill=top_dark)
    # a soft shading on the body's far side
    cv.poly([(sh_cx + sw * 0.35, shoulder_y), (sh_cx + sw, shoulder_y), (cx + hw, hem_y), (cx + hw * 0.3, hem_y)],
            fill=(0, 0, 0, 30))
    # neck
    cv.rect(head_cx - r * 0.22, neck_y - r * 0.2, head_cx + r * 0.22, shoulder_y + h * 0.01, fill=skin)
    if look.scarf:
        cv.rect(sh_cx - sw * 0.6, shoulder_y - h * 0.01, sh_cx + sw * 0.6, shoulder_y + h * 0.035,
                fill=light(look.scarf))
    # arms
    arm_w = max(1, h * (0.045 if not child else 0.055))
    arm_len = h * 0.34
    for side in (-1, 1):
        sx, sy = sh_cx + side * sw * 0.92, shoulder_y + arm_w * 0.5
        up = arms == "both" or (arms == "one" and side == facing)
        if up:
            ex, ey = sx + side * arm_len * 0.35, sy - arm_len * 0.35
            hx, hy = ex + side * arm_len * 0.15, ey - arm_len * 0.45
        else:
            ex, ey = sx + side * arm_len * 0.12, sy + arm_len * 0.48
            hx, hy = ex + side * arm_len * 0.03 + stoop * 0.4, ey + arm_len * 0.45
        cv.line([(sx, sy), (ex, ey), (hx, hy)], top, arm_w, round_caps=True)
        cv.ellipse(hx, hy, arm_w * 0.62, arm_w * 0.62, fill=skin)
        if old and side == facing and not up:
            cv.line([(hx, hy - arm_w * 0.4), (hx + facing * h * 0.04, feet)], light((90, 60, 40)), max(1, h * 0.014))
            cv.line([(hx - facing * arm_w * 0.6, hy - arm_w * 0.4), (hx + facing * arm_w * 0.4, hy - arm_w * 0.5)],
                    light((90, 60, 40)), max(1, h * 0.014))
    # the face
    cv.ellipse(head_cx, head_cy, fw, r, fill=skin, outline=skin_dark, width=lw)
    for side in (-1, 1):
        cv.ellipse(head_cx + side * fw * 0.98, head_cy + r * 0.1, r * 0.14, r * 0.2, fill=skin)
    # hair on top
    if look.style != "bald":
        bbox = (head_cx - fw * 1.04, head_cy - r * 1.08, head_cx + fw * 1.04, head_cy + r * 0.75)
        cv.draw.chord(bbox, 180, 360, fill=hair)
        # a fringe
        fringe_side = facing
        cv.poly([(head_cx - fw * 1.02, head_cy - r * 0.15), (head_cx - fw * 0.6, head_cy - r * 0.55),
                 (head_cx + fringe_side * fw * 0.2, head_cy - r * 0.42), (head_cx + fw * 0.7, head_cy - r * 0.6),
                 (head_cx + fw * 1.02, head_cy - r * 0.15), (head_cx + fw * 1.04, head_cy - r * 0.5),
                 (head_cx - fw * 1.04, head_cy - r * 0.5)], fill=hair)
        cv.draw.arc(bbox, 200, 260, fill=_i(_mix(hair, (255, 255, 255), 0.35), 160), width=max(1, int(r * 0.08)))
        if look.style == "bun":
            cv.ellipse(head_cx, head_cy - r * 1.1, r * 0.4, r * 0.32, fill=hair)
    else:
        cv.draw.chord((head_cx - fw * 1.04, head_cy - r * 0.4, head_cx + fw * 1.04, head_cy + r * 0.6), 160, 200,
                      fill=hair)
    # eyes
    ey = head_cy + r * 0.1
    ex = fw * 0.4
    eye_rx, eye_ry = r * 0.21, r * (0.23 if age < 50 else 0.19)
    iris_r = r * (0.18 if look.striking else 0.155)
    eyes = look.eyes
    for side in (-1, 1):
        x = head_cx + side * ex + facing * r * 0.04
        cv.ellipse(x, ey, eye_rx, eye_ry, fill=(252, 252, 250, 255), outline=ink, width=max(1, lw * 0.7))
        ix = x + facing * r * 0.03
        cv.ellipse(ix, ey + r * 0.02, iris_r, iris_r, fill=_i(eyes, 255))
        cv.ellipse(ix, ey + r * 0.02, iris_r * 0.45, iris_r * 0.45, fill=(15, 12, 12, 255))
        cv.ellipse(ix - iris_r * 0.35, ey - iris_r * 0.3, iris_r * 0.28, iris_r * 0.28, fill=(255, 255, 255, 255))
        # brows
        by = ey - r * (0.33 if not elderly else 0.3)
        brow = hair_dark if look.style != "bald" else light((150, 150, 150))
        cv.line([(x - eye_rx, by + r * 0.03), (x, by - r * 0.02), (x + eye_rx, by + r * 0.03)], brow,
                max(1, r * 0.07))
        if elderly:
            cv.line([(x - eye_rx * 1.2, ey + eye_ry * 1.35), (x + eye_rx * 0.6, ey + eye_ry * 1.5)],
                    _i(skin_dark, 200), max(1, lw * 0.6))
    if look.glasses:
        for side in (-1, 1):
            x = head_cx + side * ex + facing * r * 0.04
            cv.ellipse(x, ey, eye_rx * 1.45, eye_ry * 1.35, outline=ink, width=max(1, r * 0.05))
        cv.line([(head_cx - ex + eye_rx * 1.4, ey), (head_cx + ex - eye_rx * 1.4, ey)], ink, max(1, r * 0.05))
    # cheeks, nose, mouth
    for side in (-1, 1):
        cv.ellipse(head_cx + side * fw * 0.62, head_cy + r * 0.42, r * 0.15, r * 0.1, fill=(240, 110, 110, 70))
    if look.freckles:
        for side in (-1, 1):
            for k in range(4):
                cv.ellipse(head_cx + side * fw * (0.45 + 0.08 * k), head_cy + r * (0.35 + 0.05 * (k % 2)),
                           r * 0.025, r * 0.025, fill=_i(_shade(look.skin, 0.6), 200))
    cv.draw.arc((head_cx + facing * r * 0.05 - r * 0.08, head_cy + r * 0.2, head_cx + facing * r * 0.05 + r * 0.08,
                 head_cy + r * 0.4), 0, 180, fill=skin_dark, width=max(1, int(lw)))
    my = head_cy + r * 0.58
    if look.beard:
        cv.draw.chord((head_cx - fw * 0.95, head_cy - r * 0.2, head_cx + fw * 0.95, head_cy + r * 1.12), 10, 170,
                      fill=hair)
    if look.gap:
        cv.draw.chord((head_cx - r * 0.3, my - r * 0.2, head_cx + r * 0.3, my + r * 0.2), 0, 180,
                      fill=light((130, 40, 40)))
        cv.rect(head_cx - r * 0.24, my, head_cx - r * 0.04, my + r * 0.07, fill=(255, 255, 255, 255))
        cv.rect(head_cx + r * 0.04, my, head_cx + r * 0.24, my + r * 0.07, fill=(255, 255, 255, 255))
    else:
        cv.draw.arc((head_cx - r * 0.28, my - r * 0.2, head_cx + r * 0.28, my + r * 0.14), 20, 160,
                    fill=light((150, 60, 60)), width=max(1, int(r * 0.07)))
    if look.hat:
        hc = light(look.hat)
        cv.draw.chord((head_cx - fw * 1.1, head_cy - r * 1.25, head_cx + fw * 1.1, head_cy + r * 0.3), 180, 360,
                      fill=hc)
        cv.rect(head_cx - fw * 1.35, head_cy - r * 0.5, head_cx + fw * 1.35, head_cy - r * 0.36, fill=hc)


def _draw_figure_smooth(image: Image.Image, fig: Figure, cx: float, feet: float, adult_h: float, light,
                        facing: int, arms: str, ss: int = 2) -> None:
    """Draw a figure at twice the resolution inside its box, then reduce: smooth edges for faces.

    Pixels the figure does not touch come back unchanged (a 2x2 block of one value averages to it).
    """
    W, H = image.size
    x0, x1 = max(0, int(cx - adult_h * 0.55)), min(W, int(cx + adult_h * 0.55) + 2)
    y0, y1 = max(0, int(feet - adult_h * 1.15)), min(H, int(feet + adult_h * 0.08) + 2)
    if x1 <= x0 or y1 <= y0:
        return
    crop = image.crop((x0, y0, x1, y1)).resize(((x1 - x0) * ss, (y1 - y0) * ss), Image.NEAREST)
    _draw_figure(_Canvas(crop), fig, (cx - x0) * ss, (feet - y0) * ss, adult_h * ss, light, facing, arms)
    image.paste(crop.reduce(ss), (x0, y0))


# -- the painting -------------------------------------------------------------------------
def _layout(scene: Scene, rng, W: int, H: int) -> _Layout:
    lo, hi = {"sea": (0.4, 0.6), "beach": (0.4, 0.58), "meadow": (0.42, 0.64), "city": (0.6, 0.74),
              "desert": (0.45, 0.64), "interior": (0.6, 0.74), "porch": (0.66, 0.78), "forest": (0.5, 0.66),
              "snow": (0.45, 0.64), "plain": (0.45, 0.66)}[scene.terrain]
    horizon = rng.uniform(lo, hi) * H
    sun_x = rng.uniform(0.12, 0.88) * W
    if scene.time in ("sunset", "sunrise", "dusk"):
        sun_y = horizon - rng.uniform(0.05, 0.22) * horizon
    else:
        sun_y = rng.uniform(0.15, 0.45) * horizon
    return _Layout(horizon=horizon, sun_x=sun_x, sun_y=sun_y, ground=H * rng.uniform(0.9, 0.96))


def _ground_colours(scene: Scene):
    """(near, far) colours of the ground, daylight."""
    near, far = _ground_colours_plain(scene)
    if "ground" in scene.tints:
        t = scene.tints["ground"]
        near, far = _mix(near, t, 0.55), _mix(far, t, 0.45)
    return near, far


def _ground_colours_plain(scene: Scene):
    if scene.terrain == "plain":
        p = PLAUSIBLE[scene.palette]
        return p[2], p[3]
    if "autumn" in scene.motifs and scene.terrain in ("meadow", "forest"):
        return (150, 130, 55), (180, 150, 90)
    if scene.weather == "snow" or scene.terrain == "snow":
        return (236, 240, 248), (210, 222, 238)
    return {"meadow": ((80, 160, 60), (130, 185, 95)), "forest": ((50, 110, 45), (90, 140, 80)),
            "desert": ((225, 180, 115), (235, 200, 145)), "beach": ((232, 208, 160), (220, 200, 160)),
            "sea": ((225, 200, 150), (210, 190, 150))}.get(scene.terrain, ((100, 150, 70), (150, 180, 110)))


def paint(prompt: str, seed: int, width: int, height: int,
          figures: Sequence[Figure] = (), negative: str = "") -> np.ndarray:
    """HxWx3 uint8 RGB picture: a deterministic naive painting of the prompt."""
    W, H = int(width), int(height)
    if W < 1 or H < 1:
        raise ValueError(f"cannot paint a {W}x{H} picture")
    scene = analyse(prompt, negative)
    words = {w for w in _tokens(prompt) if w.isalpha()}
    rng = _generator("scene", prompt, negative, int(seed), W, H)
    frng = _generator("figures", prompt, int(seed), W, H)
    S = float(min(W, H))
    lay = _layout(scene, rng, W, H)
    light = _Light(scene)
    night = scene.time == "night"
    motifs = scene.motifs
    accent = tuple(scene.colours[:3])

    sky = _sky(scene, lay, W, H)
    image = Image.fromarray(np.clip(sky + 0.5, 0, 255).astype(np.uint8))
    cv = _Canvas(image)
    hz = lay.horizon
    outdoors = scene.terrain not in ("interior",)

    if outdoors:
        if night:
            _moon_and_stars(cv, rng, W, H, lay, scene)
        elif scene.weather in ("clear", "clouds", "snow"):
            _sun(cv, lay, S, scene)
        if scene.time == "dusk" and scene.weather == "clear":
            for _ in range(int(rng.integers(5, 20))):
                x, y = rng.uniform(0, W), rng.uniform(0, hz * 0.4)
                cv.ellipse(x, y, max(0.6, S * 0.002), max(0.6, S * 0.002), fill=(255, 250, 230, 180))
        if "rainbow" in motifs:
            _rainbow(cv, W, H, lay, S, rng)
        ncloud = {"clear": int(rng.integers(0, 4)), "clouds": int(rng.integers(5, 9)), "rain": int(rng.integers(6, 10)),
                  "storm": int(rng.integers(8, 13)), "snow": int(rng.integers(3, 6)), "fog": 2}[scene.weather]
        if "clouds" in motifs:
            ncloud = max(ncloud, int(rng.integers(4, 8)))
        if night and scene.weather == "clear":
            ncloud = min(ncloud, 2)
        _clouds(cv, rng, W, H, lay, scene, light, ncloud)
        if "birds" in motifs and not night:
            _birds(cv, rng, W, lay, S, light((40, 40, 50)))
        if "balloons" in motifs:
            _balloons(cv, rng, W, H, S, accent)
        if "kite" in motifs:
            _kite(cv, rng, W, H, S)
        if scene.weather == "storm" and "lightning" not in {w for w in _tokens(negative)}:
            _lightning(cv, rng, W, H, lay)

    near, far = _ground_colours(scene)
    snow = scene.weather == "snow"
    if scene.terrain == "interior":
        _interior(cv, rng, W, H, lay, scene, light, words)
    else:
        if "mountains" in motifs:
            mc = _mix((110, 120, 150), (150, 160, 185), rng.random())
            _ridge(cv, rng, W, hz, min(H * rng.uniform(0.2, 0.38), hz * 0.8), light(mc), snow=light((245, 246, 250)))
        if scene.terrain in ("sea", "beach"):
            water_far = {"day": (120, 170, 210), "sunrise": (190, 160, 170), "sunset": (180, 120, 110),
                         "dusk": (90, 80, 120), "night": (40, 55, 95)}[scene.time]
            water_near = (30, 85, 150)
            if scene.weather == "storm":
                water_far, water_near = (95, 105, 110), (50, 70, 75)
            if "water" in scene.tints:
                water_far = _mix(water_far, scene.tints["water"], 0.4)
                water_near = _mix(water_near, scene.tints["water"], 0.5)
            bottom = H
            # a strand in the foreground to stand on (narrow unless it is a beach)
            shore = hz + (H - hz) * (rng.uniform(0.45, 0.65) if scene.terrain == "beach"
                                     else rng.uniform(0.78, 0.86))
            lay.ground = max(lay.ground, shore + (H - shore) * 0.6)
            steps = 16
            for k in range(steps):
                y0 = hz + (bottom - hz) * k / steps
                y1 = hz + (bottom - hz) * (k + 1) / steps
                cv.rect(0, y0, W, y1 + 1, fill=light(_mix(water_far, water_near, (k / (steps - 1)) ** 0.7)))
            cv.line([(0, hz), (W, hz)], light(_mix(water_far, (255, 255, 255), 0.3)), max(1, S * 0.002))
            if scene.weather not in ("storm", "rain", "fog"):
                refl = (255, 235, 180) if not night else (230, 230, 210)
                _reflection(cv, rng, lay.sun_x, hz + 2, min(shore, H), W, refl, S)
            _waves(cv, rng, W, H, hz, shore, light, scene,
                   int(rng.integers(25, 45)) * (2 if scene.weather == "storm" else 1), water_near)
            if "boat" in motifs:
                _boat(cv, rng, W, lay, S, light)
            if "lighthouse" in motifs:
                lit = night or scene.weather in ("storm", "rain", "fog") or scene.time in ("dusk", "sunset")
                _lighthouse(cv, rng, W, H, lay, light, scene, lit, 1 if rng.random() < 0.5 else -1)
            if shore < H:
                xs, ys = _profile(rng, W, shore, (H - hz) * 0.04, waves=2)
                foam = light((245, 248, 250))
                _band(cv, xs, ys - S * 0.008, H, _i(foam, 200))
                _band(cv, xs, ys, H, light(near))
                for _ in range(int(rng.integers(5, 15))):
                    x, y = rng.uniform(0, W), rng.uniform(shore, H)
                    cv.ellipse(x, y, S * 0.008, S * 0.004, fill=light(_shade(near, 0.85)))
        elif scene.terrain == "city":
            _skyline(cv, rng, W, H, hz, light, scene, night or scene.time == "dusk", "neon" in motifs)
            _street(cv, rng, W, H, hz, light, scene, night or scene.time == "dusk", "neon" in motifs)
        elif scene.terrain == "desert":
            for k, t in enumerate((0.0, 0.35, 0.7)):
                base = hz + (H - hz) * t
                xs, ys = _profile(rng, W, base, (H - hz) * 0.1, waves=2)
                c = _mix(far, near, t)
                _band(cv, xs, ys, H, light(c))
                _band(cv, xs, ys, ys.max() + (H - hz) * 0.05, light(_shade(c, 1.08)))
            for _ in range(int(rng.integers(1, 4))):
                x, y = rng.uniform(0.05, 0.95) * W, hz + (H - hz) * rng.uniform(0.2, 0.6)
                s = S * rng.uniform(0.05, 0.1)
                g = light((70, 130, 70))
                cv.line([(x, y), (x, y - s * 1.6)], g, s * 0.3, round_caps=True)
                cv.line([(x, y - s * 0.6), (x - s * 0.5, y - s * 0.7), (x - s * 0.5, y - s * 1.1)], g, s * 0.18,
                        round_caps=True)
                cv.line([(x, y - s * 0.8), (x + s * 0.45, y - s * 0.9), (x + s * 0.45, y - s * 1.3)], g, s * 0.18,
                        round_caps=True)
        else:
            # rolling ground in layers (meadow, forest, snow, porch's view, plain)
            base_far = hz if scene.terrain != "porch" else hz - H * 0.2
            if scene.terrain == "forest" or "forest" in motifs:
                _trees(cv, rng, W, H, base_far + (H - base_far) * 0.05, light, scene, int(rng.integers(14, 26)),
                       0.16, snow, far=True)
            for k, t in enumerate((0.0, 0.3, 0.62)):
                base = base_far + (H - base_far) * t
                xs, ys = _profile(rng, W, base, (H - base_far) * (0.07 + 0.04 * k), waves=3)
                c = _mix(far, near, t / 0.62)
                _band(cv, xs, ys, H + 2, light(c))
                if k == 0 and "house" in motifs and scene.terrain != "porch":
                    _house(cv, rng, W, H, base + (H - hz) * 0.12, light, scene, night)
                if k == 0 and (scene.terrain == "forest" or "forest" in motifs):
                    _trees(cv, rng, W, H, base + (H - hz) * 0.22, light, scene, int(rng.integers(4, 9)), 0.3, snow)
            if scene.terrain == "porch":
                _porch(cv, rng, W, H, lay, scene, light, night, S)
            else:
                if not snow:
                    _grass_strokes(cv, rng, W, H, hz + (H - hz) * 0.2, near, light,
                                   min(600, int(W * (H - hz) / 900) + 20))
                if "flowers" in motifs or (scene.terrain == "meadow" and not snow):
                    count = int(rng.integers(40, 90)) if "flowers" in motifs else int(rng.integers(10, 30))
                    _flowers(cv, rng, W, H, hz + (H - hz) * 0.15, light, scene, count, "dandelions" in motifs)
            if "lighthouse" in motifs:
                lit = night or scene.weather in ("storm", "rain", "fog") or scene.time in ("dusk", "sunset")
                _lighthouse(cv, rng, W, H, lay, light, scene, lit, 1 if rng.random() < 0.5 else -1)

    # lights standing on the ground, behind the figures
    for kind in ("candles", "fire"):
        if kind in motifs:
            _glowing_points(cv, rng, W, H, lay, kind, S, accent)

    # figures (their own random stream: the background never depends on them)
    if figures:
        n = len(figures)
        adult_h = min(H * 0.56, W / (n * 0.42 + 0.1))
        slot = W / n
        shift = frng.uniform(-0.25, 0.25) * slot
        base_feet = lay.ground
        flight = _Light(scene, figure=True)
        placed = []
        for k, fig in enumerate(figures):
            cx = slot * (k + 0.5) + shift + frng.uniform(-0.12, 0.12) * slot
            cx = min(max(cx, W * 0.08), W * 0.92)
            feet = base_feet - frng.uniform(0, 0.04) * H
            depth = 1.0 - (base_feet - feet) / H * 1.5
            facing = 1 if cx < W / 2 else -1
            if frng.random() < 0.3:
                facing = -facing
            placed.append((feet, k, fig, cx, adult_h * depth, facing))
        for feet, k, fig, cx, fh, facing in sorted(placed, key=lambda p: (p[0], p[1])):
            _draw_figure_smooth(image, fig, cx, feet, fh, flight, facing, scene.arms)
        cv = _Canvas(image)

    # lights that glow (drawn over the figures where they hang in the air)
    for kind in ("fireflies", "lanterns", "lights"):
        if kind in motifs:
            _glowing_points(cv, rng, W, H, lay, kind, S, accent)
    if "bubbles" in motifs:
        _bubbles(cv, rng, W, H, S, light)
    if scene.weather in ("rain", "storm") and scene.terrain != "interior":
        _rain(cv, rng, W, H, scene, scene.weather == "storm")
    if scene.weather == "snow" and scene.terrain != "interior":
        _snowfall(cv, rng, W, H)

    return _finish(image, _generator("texture", prompt, int(seed), W, H), scene, W, H)


def _finish(image: Image.Image, rng, scene: Scene, W: int, H: int) -> np.ndarray:
    """Paper texture (low-frequency), fog and a soft vignette."""
    out = np.asarray(image, dtype=np.float32)
    gh, gw = max(2, H // 24), max(2, W // 24)
    noise = rng.normal(0, 1, (gh, gw)).astype(np.float32)
    tex = np.asarray(Image.fromarray(noise).resize((W, H), Image.BILINEAR), dtype=np.float32)
    vy = np.linspace(-1, 1, H, dtype=np.float32)[:, None]
    vx = np.linspace(-1, 1, W, dtype=np.float32)[None, :]
    factor = (1 + 0.025 * tex) * (1 - 0.16 * (vx * vx * 0.6 + vy * vy * 0.8))
    out = out * factor[..., None]
    if scene.weather == "fog":
        fy = np.clip(1 - np.abs(np.linspace(-0.2, 1.2, H, dtype=np.float32) - 0.55), 0, 1)[:, None, None] * 0.45
        fogc = np.array([200, 204, 210] if scene.time != "night" else [60, 64, 76], dtype=np.float32)
        out = out + (fogc - out) * fy
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
