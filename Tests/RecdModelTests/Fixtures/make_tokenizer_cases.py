#!/usr/bin/env python3
"""Make the WordPiece tokenizer fixtures from the real Hugging Face BertTokenizer.

Development-time only: the Swift tests read the JSON this writes and never run Python.

    HF_HUB_OFFLINE=1 /tmp/recd-anchors-venv/bin/python make_tokenizer_cases.py

Writes, next to this script:
  tokenizer_cases.json       a few hundred diverse strings (mixed scripts, emoji, accents,
                             punctuation runs, prices, CJK with and without spaces, zero-width
                             characters, very long words), encoded under several option sets
  tokenizer_codepoints.json  a sweep of single code points, each written as "a<c>a" so that
                             dropping, whitespace, punctuation, accent stripping, lower-casing
                             and CJK isolation all show in the ids

The vocabulary is all-MiniLM-L6-v2's vocab.txt from $RECD_MODEL_SRC (default
~/.cache/recd/model-src). input_ids are what `tokenizer(text, truncation=True,
max_length=256)` returns (the sweep uses max_length=512 so nothing is cut).
"""
import json
import os
import random
import sys
import unicodedata

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import tokenizers  # noqa: E402
import transformers  # noqa: E402
from transformers import BertTokenizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_SRC = os.environ.get("RECD_MODEL_SRC") or os.path.expanduser("~/.cache/recd/model-src")

HAND_WRITTEN = [
    "", " ", "\t\n\r", "a", "A", "I", "hello", "Hello, World!", "HELLO WORLD",
    "$1,299.99", "€45,00 and £3.50 or ¥1200", "price: $80-$120", "50% off!!!", "#1 best-seller",
    "3.14159", "1e-10", "+44 20 7946 0958", "2024-11-22T14:00:00Z", "v1.2.3-beta+build.7",
    "…", "...", "?!?!", "--- *** ___", "«quoted» „German“ “curly” ‘single’", "¿Dónde está? ¡Olé!",
    "naïve café résumé coöperate", "ÀÉÎÕÜ àéîõü", "Ærøskøbing æble", "ﬁnance ﬂower", "Œuvre œuvre",
    "İstanbul ıi", "ΟΔΥΣΣΕΥΣ Οδυσσεύς", "straße STRASSE ẞ", "Ǆemal ǅ ǆ", "Ⅻ ⅻ", "Ⓐⓑ",
    "Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ１２３", "ｶﾀｶﾅ", "㈱ ㍿ ㌔",
    "我想买一台笔记本电脑", "我 想 买 一台 笔记本", "笔记本电脑laptop价格", "中文，标点。符号！",
    "繁體中文測試", "𠀀𠀁𪚥 𫝀 𬺰", "豈更車", "〇一二三", "ひらがなとカタカナ", "日本語の文章です。",
    "東京タワーに行きたい", "한국어 텍스트 처리", "안녕하세요!", "ᄀᄁ ᅡ ᆨ",
    "مرحبا بالعالم", "السَّلَامُ عَلَيْكُمْ", "שָׁלוֹם עולם", "Привет, мир!", "ПРИВЕТ ёЁ",
    "Γειά σου Κόσμε", "नमस्ते दुनिया", "ภาษาไทย", "ಕನ್ನಡ", "தமிழ்", "ქართული", "Հայերեն", "አማርኛ",
    "Tiếng Việt có dấu", "Zażółć gęślą jaźń", "Čeština ěščřžýáíé", "Ñandú", "Ōsaka Tōkyō",
    "emoji 🙂👍🎁", "👨‍👩‍👧‍👦 family", "🇫🇷🇯🇵 flags", "❤️ love ❤", "☃ ★ ☆ ♥ ♠", "🥰🫠🪿",
    "zero\u200bwidth", "zero\u200cnon\u200djoiner", "soft\u00adhyphen", "bom\ufeffhere", "word\u2060joiner",
    "rtl\u200fmark\u200e", "tab\tsep", "line\nsep", "cr\rsep", "vt\x0bff\x0csep", "nul\x00char",
    "bell\x07char", "del\x7fchar", "c1\x85\x9fchars", "nbsp\u00a0here", "ideographic\u3000space",
    "thin\u2009space", "line\u2028para\u2029sep", "ogham\u1680space", "narrow\u202fnbsp",
    "replacement\ufffdchar", "private\ue000use", "unassigned\u0378cp", "tags\U000e0041\U000e007f",
    "variation\ufe0fselector", "combining e\u0301 a\u0300 o\u0308", "stacked a\u0301\u0302\u0303",
    "only\u0301", "\u0301\u0302", "x\u20ddy", "Å vs Å vs Å", "Ω vs Ω", "ﬀ ﬃ",
    "don't", "won't can't shouldn't", "rock'n'roll", "O'Neil", "e-mail", "state-of-the-art",
    "user@example.com", "https://example.com/a/b?c=d&e=f#g", "C:\\Users\\name", "/usr/bin/env",
    "snake_case camelCase PascalCase kebab-case", "<html><body>x</body></html>", "{\"json\": [1, 2]}",
    "a+b=c", "x^2 + y^2", "100°C", "5′11″", "½ ¼ ¾", "²³", "№ 5", "™ © ®", "§ ¶", "†‡",
    "[CLS] inside", "hello[SEP]world", "[sep] lower", "[MASK] token", "[PAD][UNK]", "[CLS", "[[SEP]]",
    "supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis",
    "a" * 100, "a" * 101, "é" * 100, "é" * 101, "ab" * 60, "x" * 300,
    "unbelievably unaffordable unrecognisable", "running jumped happiest", "iPhone15ProMax",
    "GPT-4o-mini", "COVID-19", "h2o", "b2b b2c", "4K UHD TV 65\"", "USB-C 3.1 Gen2",
    "Nike Air Max 90", "Samsung Galaxy S24 Ultra 512GB", "L'Oréal Paris", "Estée Lauder", "Lancôme",
    "I want to return my order", "where's my package??", "cancel subscription NOW",
    "can i get a refund for order #12345", "my card was declined :(", "transfer $500 to savings",
]


def generated(count, seed=1234):
    """Random mixtures of the pieces above, so the combinations are not only hand-picked."""
    pools = [
        "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789",
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", "àáâãäåçèéêëìíîïñòóôõöùúûüýÿ", "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ",
        "我想买书价格元之间有没适合跑步鞋子", "日本語のテキスト", "한국어텍스트", "Привет мир", "مرحبا",
        "αβγδεΑΒΓΔΕ", "🙂👍🎁🥰", " \t\n\u00a0\u3000\u2009", "\u200b\u00ad\ufeff\u200d", "\u0301\u0308\u0327",
        "«»“”‘’„…–—", "€£¥₹¢", "ﬁﬂＡＢ１２", "ǅǈǋ", "İıŉ",
    ]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        length = rng.randint(1, 40)
        out.append("".join(rng.choice(rng.choice(pools)) for _ in range(length)))
    return out


def sweep_codepoints():
    """Code points whose handling could differ: every one below U+3400, CJK range edges, the
    specials block, every Mn/Cf/P* scalar Python knows, and samples of emoji and planes 2-16."""
    points = set(range(0x0000, 0x3400))
    for edge in (0x3400, 0x4DBF, 0x4E00, 0x9FFF, 0xF900, 0xFAFF, 0x20000, 0x2A6DF, 0x2A6E0, 0x2A700,
                 0x2B73F, 0x2B740, 0x2B81F, 0x2B820, 0x2B91F, 0x2B920, 0x2CEAF, 0x2CEB0, 0x2F800,
                 0x2FA1F, 0x30000, 0x3134A):
        points.update(range(edge - 1, edge + 2))
    points.update(range(0xFE00, 0x10000))
    points.update(range(0x1F300, 0x1FB00, 7))
    points.update((0xE000, 0xF8FF, 0xF0000, 0xFFFFD, 0x100000, 0x10FFFD, 0x2FFFF, 0xE0000, 0x10FFFF))
    points.update(range(0xE0000, 0xE0080))
    points.update(range(0xE0100, 0xE0110))
    for cp in range(0x3400, 0x110000):
        if unicodedata.category(chr(cp))[0] in "P" or unicodedata.category(chr(cp)) in ("Mn", "Cf", "Mc"):
            points.add(cp)
    return sorted(cp for cp in points if not 0xD800 <= cp <= 0xDFFF)


def encode(tok, text, max_length=256):
    return tok(text, truncation=True, max_length=max_length)["input_ids"]


def main():
    vocab = os.path.join(MODEL_SRC, "vocab.txt")
    if not os.path.exists(vocab):
        sys.exit(f"{vocab} is missing; run `make model` first")
    produced_by = f"transformers {transformers.__version__} BertTokenizer / tokenizers {tokenizers.__version__}"
    configs = [
        ("uncased", dict(do_lower_case=True)),
        ("cased", dict(do_lower_case=False)),
        ("cased_strip_accents", dict(do_lower_case=False, strip_accents=True)),
        ("uncased_keep_accents", dict(do_lower_case=True, strip_accents=False)),
        ("uncased_no_cjk", dict(do_lower_case=True, tokenize_chinese_chars=False)),
    ]
    texts = HAND_WRITTEN + generated(250)
    long_text = " ".join(HAND_WRITTEN[60:140])  # long enough to be truncated at 256
    texts.append(long_text)
    groups = []
    for name, kwargs in configs:
        tok = BertTokenizer.from_pretrained(MODEL_SRC, **kwargs)
        options = {
            "doLowerCase": kwargs.get("do_lower_case", True),
            "stripAccents": kwargs.get("strip_accents"),
            "tokenizeChineseChars": kwargs.get("tokenize_chinese_chars", True),
        }
        subset = texts if name == "uncased" else HAND_WRITTEN + [long_text]
        groups.append({
            "name": name,
            "options": options,
            "cases": [{"text": t, "input_ids": encode(tok, t)} for t in subset],
        })
    with open(os.path.join(HERE, "tokenizer_cases.json"), "w", encoding="utf-8") as f:
        json.dump({"produced_by": produced_by, "max_length": 256, "groups": groups}, f,
                  ensure_ascii=True, separators=(",", ":"))
        f.write("\n")

    tok = BertTokenizer.from_pretrained(MODEL_SRC)
    points = sweep_codepoints()
    chunk = 48
    cases = []
    for i in range(0, len(points), chunk):
        text = " ".join("a" + chr(cp) + "a" for cp in points[i:i + chunk])
        ids = encode(tok, text, max_length=512)
        assert len(ids) < 512, f"sweep case {i} was truncated"
        cases.append({"text": text, "input_ids": ids})
    with open(os.path.join(HERE, "tokenizer_codepoints.json"), "w", encoding="utf-8") as f:
        json.dump({"produced_by": produced_by, "max_length": 512, "cases": cases}, f,
                  ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    print(f"{sum(len(g['cases']) for g in groups)} cases, {len(cases)} sweep cases ({len(points)} code points)")


if __name__ == "__main__":
    main()
