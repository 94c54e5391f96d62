import RecdProtocol
import RecdRecommend
@testable import RecdServer
import Testing

/// The wire ↔ engine mappings of the RECOMMEND, FEEDBACK and ITEMS adapters.
struct RecommendMappingTests {
    let vocabulary = RecdRecommend.CatalogVocabulary(items: [
        Item(id: "a", title: "MacBook", category: "laptops", brand: "Apple"),
        Item(id: "b", title: "ThinkPad", category: "laptops", brand: "Lenovo"),
        Item(id: "c", title: "iPhone", category: "phones", brand: "Apple"),
    ])

    func slot(_ name: String, _ value: String, negated: Bool = false) -> Recd_V1_Slot {
        var s = Recd_V1_Slot()
        s.name = name; s.value = value; s.negated = negated
        return s
    }

    @Test func negatedBrandAndCategoryBecomeExclusions() {
        // "不要苹果的笔记本电脑" parses as !brand=apple, category=laptop.
        var filter = ItemFilter()
        RecommendService.apply(slots: [slot("brand", "apple", negated: true), slot("category", "laptop")],
                               to: &filter, vocabulary: vocabulary)
        #expect(filter.excludeBrands == ["Apple"], "spelled as the catalog spells it")
        #expect(filter.brands.isEmpty, "a negated brand is never an inclusion")
        #expect(filter.categories == ["laptops"])

        var phones = ItemFilter(excludeCategories: ["tablets"])
        RecommendService.apply(slots: [slot("category", "phone", negated: true), slot("brand", "nokia", negated: true)],
                               to: &phones, vocabulary: vocabulary)
        #expect(phones.excludeCategories == ["tablets", "phones"], "added to the request's own exclusions")
        #expect(phones.excludeBrands.isEmpty, "a brand the catalog does not have excludes nothing")
    }

    @Test func wireFiltersCarryExclusions() {
        var f = Recd_V1_Filters()
        f.excludeBrands = ["Apple"]; f.excludeCategories = ["phones"]
        let filter = RecommendService.filter(f)
        #expect(filter.excludeBrands == ["Apple"] && filter.excludeCategories == ["phones"])
    }

    @Test func upsertWithoutStockIsInStock() {
        var m = Recd_V1_Item()
        m.id = "x"; m.title = "t"
        #expect(!m.hasInStock)
        #expect(RecommendService.item(m).inStock, "an upsert that does not mention stock keeps the item on sale")
        m.inStock = false
        #expect(m.hasInStock)
        #expect(!RecommendService.item(m).inStock, "an explicit false marks it out of stock")
        let back = RecommendService.message(Item(id: "y", title: "t", inStock: false))
        #expect(back.hasInStock && !back.inStock, "GET always states the stock")
        // An explicit false is on the wire (proto3 `optional`), so it survives encoding.
        let bytes: [UInt8] = (try? back.serializedBytes()) ?? []
        let decoded = try? Recd_V1_Item(serializedBytes: bytes)
        #expect(decoded?.hasInStock == true && decoded?.inStock == false)
    }

    @Test func feedbackResponseCarriesTheLogSequence() {
        let recorded = RecommendService.feedbackResponse(.recorded(sequence: 7))
        #expect(!recorded.duplicate && recorded.sequence == 7)
        let duplicate = RecommendService.feedbackResponse(.duplicate(sequence: 3))
        #expect(duplicate.duplicate && duplicate.sequence == 3)
    }
}
