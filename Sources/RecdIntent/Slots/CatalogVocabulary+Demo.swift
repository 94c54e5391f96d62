extension CatalogVocabulary {
    /// A small English/Chinese e-commerce vocabulary for the demo catalog and the tests.
    /// A real deployment builds its vocabulary from its own catalog.
    public static let demo = CatalogVocabulary(
        categories: [
            "laptop": ["laptops", "notebook", "notebook computer", "laptop computer", "笔记本电脑", "笔记本", "手提电脑"],
            "phone": ["smartphone", "cell phone", "mobile phone", "cellphone", "手机", "智能手机"],
            "headphones": ["headphone", "earphones", "earbuds", "headset", "耳机", "蓝牙耳机"],
            "tablet": ["tablets", "平板电脑", "平板"],
            "tv": ["television", "tvs", "电视机", "电视"],
            "camera": ["cameras", "相机", "照相机", "单反"],
            "watch": ["smartwatch", "smart watch", "watches", "手表", "智能手表"],
            "shoes": ["shoe", "sneakers", "running shoes", "trainers", "鞋子", "运动鞋", "跑鞋", "鞋"],
            "jacket": ["jackets", "coat", "夹克", "外套"],
            "dress": ["dresses", "连衣裙", "裙子"],
            "t-shirt": ["t shirt", "tshirt", "tee", "t恤"],
            "book": ["books", "novel", "书籍", "图书", "书"],
            "backpack": ["backpacks", "rucksack", "双肩包", "背包"],
            "lipstick": ["lipsticks", "口红", "唇膏"],
            "perfume": ["fragrance", "cologne", "香水"],
            "moisturizer": ["moisturiser", "face cream", "面霜", "保湿霜"],
            "coffee maker": ["coffee machine", "espresso machine", "咖啡机"],
            "vacuum": ["vacuum cleaner", "hoover", "吸尘器"],
        ],
        brands: [
            "apple": ["苹果"], "samsung": ["三星"], "huawei": ["华为"], "xiaomi": ["小米"],
            "sony": ["索尼"], "nike": ["耐克"], "adidas": ["阿迪达斯", "阿迪"], "lenovo": ["联想"],
            "dell": ["戴尔"], "hp": ["惠普"], "asus": ["华硕"], "canon": ["佳能"],
            "lancome": ["lancôme", "兰蔻"], "dior": ["迪奥"], "estee lauder": ["estée lauder", "雅诗兰黛"],
            "puma": ["彪马"], "uniqlo": ["优衣库"], "bose": [], "logitech": ["罗技"], "dyson": ["戴森"],
        ],
        colors: [
            "black": ["黑色"], "white": ["白色"], "red": ["红色"], "blue": ["蓝色", "navy"],
            "green": ["绿色"], "pink": ["粉色", "粉红色"], "silver": ["银色"], "gold": ["golden", "金色"],
            "grey": ["gray", "灰色"], "purple": ["紫色"], "yellow": ["黄色"], "brown": ["棕色", "咖啡色"],
        ],
        sizes: [
            "XS": ["extra small", "加小号"], "S": ["small", "小号", "s码"], "M": ["medium", "中号", "m码"],
            "L": ["large", "大号", "l码"], "XL": ["extra large", "加大号", "xl码"],
        ]
    )
}
