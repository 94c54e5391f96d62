#!/usr/bin/env python3
"""Generates daemon/demo/catalog.jsonl: the bundled demo catalog (a few hundred products in
English and Chinese). Deterministic: the same script always writes the same file.

    python3 daemon/demo/generate_catalog.py > daemon/demo/catalog.jsonl
"""
import json
import random

rng = random.Random(20261122)

# category -> (brands, [(english noun, chinese noun, tags)], adjectives en/zh, price range, attributes)
CATEGORIES = {
    "laptops": (["Lenovo", "Apple", "Dell", "HP", "Asus", "Acer", "Huawei", "Xiaomi"],
                [("ultrabook laptop", "轻薄笔记本电脑", ["ultrabook", "portable"]),
                 ("gaming laptop", "游戏笔记本电脑", ["gaming", "rtx"]),
                 ("business laptop", "商务笔记本电脑", ["business", "office"]),
                 ("2-in-1 convertible laptop", "二合一触屏笔记本", ["touchscreen", "convertible"])],
                (499, 2999), {"color": ["Silver", "Space Gray", "Black"], "size": ["13 inch", "14 inch", "15.6 inch", "16 inch"]}),
    "phones": (["Apple", "Samsung", "Xiaomi", "Huawei", "OPPO", "vivo", "Google", "OnePlus"],
               [("5G smartphone", "5G智能手机", ["5g", "smartphone"]),
                ("camera phone", "影像旗舰手机", ["camera", "flagship"]),
                ("budget smartphone", "高性价比手机", ["budget", "long battery"]),
                ("foldable phone", "折叠屏手机", ["foldable", "flagship"])],
               (149, 1799), {"color": ["Black", "White", "Blue", "Green"], "size": ["128GB", "256GB", "512GB"]}),
    "headphones": (["Sony", "Bose", "Apple", "Sennheiser", "JBL", "Anker", "Huawei", "Beats"],
                   [("noise cancelling headphones", "主动降噪耳机", ["noise cancelling", "wireless"]),
                    ("wireless earbuds", "真无线蓝牙耳机", ["earbuds", "bluetooth"]),
                    ("sports earphones", "运动蓝牙耳机", ["sports", "waterproof"]),
                    ("studio headphones", "监听头戴式耳机", ["studio", "wired"])],
                   (19, 449), {"color": ["Black", "White", "Blue", "Rose Gold"]}),
    "shoes": (["Nike", "Adidas", "Asics", "New Balance", "Li-Ning", "Anta", "Puma", "Skechers"],
              [("running shoes", "跑步鞋", ["running", "cushioned"]),
               ("trail running shoes", "越野跑鞋", ["trail", "running"]),
               ("basketball shoes", "篮球鞋", ["basketball", "high top"]),
               ("casual sneakers", "休闲运动鞋", ["casual", "everyday"]),
               ("walking shoes", "健步鞋", ["walking", "comfort"])],
              (39, 219), {"color": ["Black", "White", "Red", "Blue", "Grey"], "size": ["38", "39", "40", "41", "42", "43", "44"]}),
    "books": (["Penguin", "HarperCollins", "O'Reilly", "中信出版社", "人民文学出版社", "Random House"],
              [("science fiction novel", "科幻小说", ["fiction", "sci-fi"]),
               ("cookbook", "家常菜谱", ["cooking", "recipes"]),
               ("programming guide", "编程入门指南", ["programming", "tech"]),
               ("history book", "历史读物", ["history", "nonfiction"]),
               ("children's picture book", "儿童绘本", ["kids", "picture book"])],
              (8, 69), {"size": ["Paperback", "Hardcover"]}),
    "beauty": (["L'Oreal", "Estee Lauder", "Maybelline", "Lancome", "Shiseido", "Perfect Diary", "Florasis", "The Ordinary"],
               [("matte lipstick", "哑光口红", ["lipstick", "makeup"]),
                ("hydrating serum", "保湿精华液", ["skincare", "hydrating"]),
                ("sunscreen SPF 50", "防晒霜SPF50", ["sunscreen", "skincare"]),
                ("eyeshadow palette", "眼影盘", ["eyeshadow", "makeup"]),
                ("foundation", "粉底液", ["foundation", "makeup"])],
               (6, 129), {"color": ["Red", "Nude", "Pink", "Coral"], "size": ["30ml", "50ml", "100ml"]}),
    "kitchen": (["Midea", "Philips", "KitchenAid", "Joyoung", "Supor", "Tefal", "Zojirushi"],
                [("air fryer", "空气炸锅", ["air fryer", "healthy"]),
                 ("rice cooker", "电饭煲", ["rice cooker", "smart"]),
                 ("stand mixer", "厨师机", ["baking", "mixer"]),
                 ("non-stick frying pan", "不粘炒锅", ["cookware", "non-stick"]),
                 ("electric kettle", "电热水壶", ["kettle", "stainless steel"])],
                (15, 499), {"color": ["White", "Black", "Red", "Silver"], "size": ["2L", "3L", "5L"]}),
    "toys": (["LEGO", "Hasbro", "Mattel", "Bandai", "Playmobil", "Hape"],
             [("building blocks set", "拼装积木套装", ["building", "kids"]),
              ("remote control car", "遥控赛车", ["rc", "kids"]),
              ("plush toy", "毛绒玩具", ["plush", "gift"]),
              ("board game", "桌游", ["board game", "family"]),
              ("wooden puzzle", "木质拼图", ["puzzle", "educational"])],
             (9, 199), {"color": ["Multicolor", "Red", "Blue"]}),
}

COLOR_ZH = {"Silver": "银色", "Space Gray": "深空灰", "Black": "黑色", "White": "白色", "Blue": "蓝色", "Green": "绿色",
            "Rose Gold": "玫瑰金", "Red": "红色", "Grey": "灰色", "Nude": "裸色", "Pink": "粉色", "Coral": "珊瑚色",
            "Multicolor": "多色"}
ADJ = [("Pro", "专业版"), ("Lite", "轻量版"), ("Max", "旗舰版"), ("Air", "轻盈款"), ("Plus", "增强版"), ("Classic", "经典款"), ("X", "X系列"), ("Neo", "新款")]


def price(lo, hi):
    p = rng.uniform(lo, hi)
    return round(p) - 0.01 if p > 20 else round(p, 2)


def main():
    out = []
    n = 0
    for category, (brands, products, (lo, hi), attrs) in CATEGORIES.items():
        for noun_en, noun_zh, tags in products:
            for k in range(9):
                brand = rng.choice(brands)
                adj_en, adj_zh = ADJ[(n + k) % len(ADJ)]
                attributes = {key: rng.choice(vals) for key, vals in attrs.items()}
                chinese = (n + k) % 3 == 0
                color = attributes.get("color", "")
                if chinese:
                    title = f"{brand} {noun_zh} {adj_zh}"
                    desc = f"{brand}{noun_zh}，{adj_zh}，{COLOR_ZH.get(color, '多色')}可选，品质保证，适合日常使用。"
                    currency, p = "CNY", round(price(lo, hi) * 7)
                else:
                    title = f"{brand} {noun_en.title()} {adj_en}"
                    desc = f"{adj_en} {noun_en} by {brand}" + (f" in {color.lower()}" if color else "") + \
                           f". Great for {tags[0]} — {rng.choice(['highly rated', 'best seller', 'new arrival', 'customer favourite'])}."
                    currency, p = "USD", price(lo, hi)
                n += 1
                out.append({"id": f"{category[:3]}-{n:04d}", "title": title, "description": desc, "category": category,
                            "brand": brand, "price": p, "currency": currency, "tags": tags, "attributes": attributes,
                            "in_stock": rng.random() > 0.08})
    for item in out:
        print(json.dumps(item, ensure_ascii=False))


if __name__ == "__main__":
    main()
