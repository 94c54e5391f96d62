import XCTest
@testable import RecdIntent

/// The slot parser against a table: each case lists the expected slots as
/// `[!]kind=value[surface]`; the expected span is the first occurrence of `surface` in the text
/// (in Characters), `!` marks a negated slot. Order = order of appearance.
final class SlotParserTableTests: XCTestCase {
    static let english: [(String, [String])] = [
        ("I want a laptop under $1000", ["category=laptop[laptop]", "price=..1000 USD[under $1000]"]),
        ("show me phones below 500 dollars", ["category=phone[phones]", "price=..500 USD[below 500 dollars]"]),
        ("headphones less than 100 bucks", ["category=headphones[headphones]", "price=..100 USD[less than 100 bucks]"]),
        ("a tv over $800", ["category=tv[tv]", "price=800.. USD[over $800]"]),
        ("at least 50 euros", ["price=50.. EUR[at least 50 euros]"]),
        ("between 100 and 200 dollars", ["price=100..200 USD[between 100 and 200 dollars]"]),
        ("something around $50", ["price=~50 USD[around $50]"]),
        ("laptop for $1k", ["category=laptop[laptop]", "price=~1000 USD[$1k]"]),
        ("a camera for 800 dollars", ["category=camera[camera]", "price=~800 USD[800 dollars]"]),
        ("gift ideas from $20 to $40", ["price=20..40 USD[from $20 to $40]"]),
        ("jackets $50-$100", ["category=jacket[jackets]", "price=50..100 USD[$50-$100]"]),
        ("running shoes under 80", ["category=shoes[running shoes]", "price=..80[under 80]"]),
        ("budget of £300 for a tablet", ["price=..300 GBP[budget of £300]", "category=tablet[tablet]"]),
        ("up to 1,500 dollars", ["price=..1500 USD[up to 1,500 dollars]"]),
        ("dresses 30 dollars or less", ["category=dress[dresses]", "price=..30 USD[30 dollars or less]"]),
        ("watches 200 dollars and up", ["category=watch[watches]", "price=200.. USD[200 dollars and up]"]),
        ("perfume about 60 euros", ["category=perfume[perfume]", "price=~60 EUR[about 60 euros]"]),
        ("under two hundred dollars", ["price=..200 USD[under two hundred dollars]"]),
        ("a notebook from Lenovo", ["category=laptop[notebook]", "brand=lenovo[Lenovo]"]),
        ("Samsung smartphone in black", ["brand=samsung[Samsung]", "category=phone[smartphone]", "color=black[black]"]),
        ("not Apple", ["!brand=apple[Apple]"]),
        ("a phone but no Samsung", ["category=phone[phone]", "!brand=samsung[Samsung]"]),
        ("headphones without Sony", ["category=headphones[headphones]", "!brand=sony[Sony]"]),
        ("any laptop except Dell", ["category=laptop[laptop]", "!brand=dell[Dell]"]),
        ("not Apple or Samsung", ["!brand=apple[Apple]", "!brand=samsung[Samsung]"]),
        ("a samsnug phone", ["brand=samsung[samsnug]", "category=phone[phone]"]),
        ("lenvo laptop", ["brand=lenovo[lenvo]", "category=laptop[laptop]"]),
        ("cheap hedphones", ["category=headphones[hedphones]"]),
        ("sort by cheapest", ["sort=price_asc[cheapest]"]),
        ("show the best rated cameras", ["sort=rating_desc[best rated]", "category=camera[cameras]"]),
        ("the newest Huawei phones", ["sort=newest[newest]", "brand=huawei[Huawei]", "category=phone[phones]"]),
        ("most popular sneakers", ["sort=popularity[most popular]", "category=shoes[sneakers]"]),
        ("price high to low", ["sort=price_desc[price high to low]"]),
        ("two laptops", ["quantity=2[two]", "category=laptop[laptops]"]),
        ("3 pairs of socks", ["quantity=3[3 pairs]"]),
        ("I need 5 bottles of perfume", ["quantity=5[5 bottles]", "category=perfume[perfume]"]),
        ("buy a dozen t-shirts", ["quantity=12[dozen]", "category=t-shirt[t-shirts]"]),
        ("size 10 nike shoes", ["size=10[size 10]", "brand=nike[nike]", "category=shoes[shoes]"]),
        ("a medium jacket in blue", ["size=M[medium]", "category=jacket[jacket]", "color=blue[blue]"]),
        ("XL t-shirt", ["size=XL[XL]", "category=t-shirt[t-shirt]"]),
        ("size m dress", ["size=M[size m]", "category=dress[dress]"]),
        ("red dress size 8", ["color=red[red]", "category=dress[dress]", "size=8[size 8]"]),
        ("grey or gray backpack", ["color=grey[grey]", "color=grey[gray]", "category=backpack[backpack]"]),
        ("a silver Dell laptop under $900", ["color=silver[silver]", "brand=dell[Dell]", "category=laptop[laptop]", "price=..900 USD[under $900]"]),
        ("what's the status of my order", []),
        ("hello there", []),
        ("I want to return 2 items", ["quantity=2[2 items]"]),
        ("delivered in 3 days?", []),
        ("a 55 inch tv", ["category=tv[tv]"]),
        ("canon camera between $300 and $500", ["brand=canon[canon]", "category=camera[camera]", "price=300..500 USD[between $300 and $500]"]),
        ("laptops priced 700-900", ["category=laptop[laptops]", "price=700..900[700-900]"]),
        ("a coffee machine under 150 euros", ["category=coffee maker[coffee machine]", "price=..150 EUR[under 150 euros]"]),
        ("vacuum cleaner no more than $250", ["category=vacuum[vacuum cleaner]", "price=..250 USD[no more than $250]"]),
        ("Lancôme lipstick in pink", ["brand=lancome[Lancôme]", "category=lipstick[lipstick]", "color=pink[pink]"]),
        ("a moisturiser around 40 pounds", ["category=moisturizer[moisturiser]", "price=~40 GBP[around 40 pounds]"]),
        ("¥99 earbuds", ["price=~99 CNY[¥99]", "category=headphones[earbuds]"]),
        ("USD 250 or under", ["price=..250 USD[USD 250 or under]"]),
        ("I'd like four white t-shirts", ["quantity=4[four]", "color=white[white]", "category=t-shirt[t-shirts]"]),
        ("adidas or puma running shoes", ["brand=adidas[adidas]", "brand=puma[puma]", "category=shoes[running shoes]"]),
        ("no Nike, no Adidas", ["!brand=nike[Nike]", "!brand=adidas[Adidas]"]),
        ("top rated Bose headphones under 300 dollars", ["sort=rating_desc[top rated]", "brand=bose[Bose]", "category=headphones[headphones]", "price=..300 USD[under 300 dollars]"]),
        ("a gold watch for my wife", ["color=gold[gold]", "category=watch[watch]"]),
        ("cheapest Xiaomi tablet", ["sort=price_asc[cheapest]", "brand=xiaomi[Xiaomi]", "category=tablet[tablet]"]),
        ("a camera with a budget of 1.5k", ["category=camera[camera]", "price=..1500[budget of 1.5k]"]),
        ("apply a coupon", []),
        ("I want 2 phones under $400 each", ["quantity=2[2]", "category=phone[phones]", "price=..400 USD[under $400]"]),
        ("tell me about the speakers", []),
    ]

    static let chinese: [(String, [String])] = [
        ("我想买一台笔记本电脑", ["quantity=1[一台]", "category=laptop[笔记本电脑]"]),
        ("我想买一本经济类的书，价格在100-200元之间", ["quantity=1[一本]", "category=book[书]", "price=100..200 CNY[价格在100-200元之间]"]),
        ("退货怎么办理", []),
        ("500块以内的耳机", ["price=..500 CNY[500块以内]", "category=headphones[耳机]"]),
        ("一百到两百的口红", ["price=100..200[一百到两百]", "category=lipstick[口红]"]),
        ("三千左右的手机", ["price=~3000[三千左右]", "category=phone[手机]"]),
        ("不要苹果的手机", ["!brand=apple[苹果]", "category=phone[手机]"]),
        ("除了耐克别的运动鞋都可以", ["!brand=nike[耐克]", "category=shoes[运动鞋]"]),
        ("我要两个黑色的背包", ["quantity=2[两个]", "color=black[黑色]", "category=backpack[背包]"]),
        ("最便宜的华为手机", ["sort=price_asc[最便宜]", "brand=huawei[华为]", "category=phone[手机]"]),
        ("评分最高的相机", ["sort=rating_desc[评分最高]", "category=camera[相机]"]),
        ("有没有最新款的小米平板", ["sort=newest[最新款]", "brand=xiaomi[小米]", "category=tablet[平板]"]),
        ("预算5000元买笔记本", ["price=..5000 CNY[预算5000元]", "category=laptop[笔记本]"]),
        ("不超过300元的香水", ["price=..300 CNY[不超过300元]", "category=perfume[香水]"]),
        ("1000元以上的手表", ["price=1000.. CNY[1000元以上]", "category=watch[手表]"]),
        ("¥99的口红", ["price=~99 CNY[¥99]", "category=lipstick[口红]"]),
        ("三件白色T恤", ["quantity=3[三件]", "color=white[白色]", "category=t-shirt[T恤]"]),
        ("42码的耐克跑鞋", ["size=42[42码]", "brand=nike[耐克]", "category=shoes[跑鞋]"]),
        ("大号的外套", ["size=L[大号]", "category=jacket[外套]"]),
        ("红色或者蓝色的连衣裙", ["color=red[红色]", "color=blue[蓝色]", "category=dress[连衣裙]"]),
        ("我不要三星", ["!brand=samsung[三星]"]),
        ("不要苹果和三星的", ["!brand=apple[苹果]", "!brand=samsung[三星]"]),
        ("卖得最好的耳机", ["sort=popularity[卖得最好]", "category=headphones[耳机]"]),
        ("价格从低到高排列", ["sort=price_asc[价格从低到高]"]),
        ("两百块左右的蓝牙耳机", ["price=~200 CNY[两百块左右]", "category=headphones[蓝牙耳机]"]),
        ("1万以内的相机", ["price=..10000[1万以内]", "category=camera[相机]"]),
        ("我想买一台联想的笔记本，预算在四千到六千之间", ["quantity=1[一台]", "brand=lenovo[联想]", "category=laptop[笔记本]", "price=4000..6000[预算在四千到六千之间]"]),
        ("给我推荐一款2000块的手机", ["quantity=1[一款]", "price=~2000 CNY[2000块]", "category=phone[手机]"]),
        ("索尼的相机有银色的吗", ["brand=sony[索尼]", "category=camera[相机]", "color=silver[银色]"]),
        ("我的订单到哪了", []),
        ("你好", []),
        ("退三双鞋子", ["quantity=3[三双]", "category=shoes[鞋子]"]),
        ("戴尔笔记本电脑多少钱", ["brand=dell[戴尔]", "category=laptop[笔记本电脑]"]),
        ("除了红色都行", ["!color=red[红色]"]),
        ("非苹果的平板电脑", ["!brand=apple[苹果]", "category=tablet[平板电脑]"]),
        ("最贵的迪奥香水", ["sort=price_desc[最贵]", "brand=dior[迪奥]", "category=perfume[香水]"]),
        ("八百到一千元的跑鞋", ["price=800..1000 CNY[八百到一千元]", "category=shoes[跑鞋]"]),
        ("大约300块的面霜", ["price=~300 CNY[大约300块]", "category=moisturizer[面霜]"]),
        ("买5瓶香水", ["quantity=5[5瓶]", "category=perfume[香水]"]),
        ("50美元以下的耳机", ["price=..50 USD[50美元以下]", "category=headphones[耳机]"]),
        ("M码的连衣裙", ["size=M[M码]", "category=dress[连衣裙]"]),
        ("新款华为手表", ["sort=newest[新款]", "brand=huawei[华为]", "category=watch[手表]"]),
        ("３００元以内的背包", ["price=..300 CNY[３００元以内]", "category=backpack[背包]"]),
    ]

    let parser = SlotParser(vocabulary: .demo)

    func testEnglishTableHasAtLeast60Cases() { XCTAssertGreaterThanOrEqual(Self.english.count, 60) }
    func testChineseTableHasAtLeast40Cases() { XCTAssertGreaterThanOrEqual(Self.chinese.count, 40) }

    func testEnglishTable() { check(Self.english) }
    func testChineseTable() { check(Self.chinese) }

    private func check(_ cases: [(String, [String])], file: StaticString = #filePath, line: UInt = #line) {
        var failures = 0
        for (text, expected) in cases {
            let chars = Array(text)
            let slots = parser.parse(text)
            var want: [String] = []
            for e in expected {
                let negated = e.hasPrefix("!")
                let body = negated ? String(e.dropFirst()) : e
                let open = body.lastIndex(of: "[")!
                let surface = Array(body[body.index(after: open)..<body.index(before: body.endIndex)])
                guard let start = (0...(chars.count - surface.count)).first(where: { Array(chars[$0 ..< $0 + surface.count]) == surface }) else {
                    XCTFail("bad case \(text): surface \(String(surface)) not in text", file: file, line: line); continue
                }
                want.append("\(negated ? "!" : "")\(body[..<open])@\(start)..<\(start + surface.count)")
            }
            let got = slots.map(\.description)
            if got != want {
                failures += 1
                XCTFail("\(text)\n  expected \(want)\n  found    \(got)", file: file, line: line)
            }
            for s in slots {
                XCTAssertEqual(s.text, String(chars[s.span]), "span and text disagree in \(text)", file: file, line: line)
                XCTAssertEqual(String(text.utf16[text.utf16.index(text.utf16.startIndex, offsetBy: s.utf16Span.lowerBound) ..< text.utf16.index(text.utf16.startIndex, offsetBy: s.utf16Span.upperBound)]),
                               s.text, "UTF-16 span wrong in \(text)", file: file, line: line)
            }
        }
        print("slot table: \(cases.count - failures)/\(cases.count) cases pass")
    }
}
