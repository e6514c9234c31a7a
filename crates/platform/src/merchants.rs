//! Merchants the simulator shops at, with what they sell, so receipts have believable line
//! items. Purchases at merchants not listed here get a single generic line.

use consentry_domain::Currency;

pub struct KnownMerchant {
    pub name: &'static str,
    pub category: &'static str,
    pub city: &'static str,
    pub currency: Currency,
    /// (description, unit price in minor units)
    pub items: &'static [(&'static str, i64)],
}

pub const MERCHANTS: &[KnownMerchant] = &[
    KnownMerchant {
        name: "Café Lumen",
        category: "coffee",
        city: "Lyon",
        currency: Currency::EUR,
        items: &[
            ("Flat white", 380),
            ("Espresso", 250),
            ("Croissant", 210),
            ("Pain au chocolat", 230),
            ("Oat latte", 450),
        ],
    },
    KnownMerchant {
        name: "Kaffeehaus Morgenrot",
        category: "coffee",
        city: "Berlin",
        currency: Currency::EUR,
        items: &[
            ("Cappuccino", 390),
            ("Filterkaffee", 290),
            ("Apfelstrudel", 450),
            ("Franzbrötchen", 280),
        ],
    },
    KnownMerchant {
        name: "Marché Frais",
        category: "grocery",
        city: "Paris",
        currency: Currency::EUR,
        items: &[
            ("Baguette tradition", 130),
            ("Comté 18 mois 250 g", 690),
            ("Tomates grappe 1 kg", 349),
            ("Huile d'olive 75 cl", 899),
            ("Yaourt nature x4", 289),
        ],
    },
    KnownMerchant {
        name: "Halcyon Books",
        category: "books",
        city: "Amsterdam",
        currency: Currency::EUR,
        items: &[
            ("Paperback novel", 1299),
            ("Notebook A5", 799),
            ("Literary magazine", 950),
            ("Bookmark", 250),
        ],
    },
    KnownMerchant {
        name: "Brightside Grocery",
        category: "grocery",
        city: "Portland",
        currency: Currency::USD,
        items: &[
            ("Whole milk 1 gal", 399),
            ("Free-range eggs 12", 549),
            ("Sourdough loaf", 699),
            ("Honeycrisp apples 2 lb", 499),
            ("Coffee beans 12 oz", 1499),
        ],
    },
    KnownMerchant {
        name: "Sunset Diner",
        category: "restaurant",
        city: "Austin",
        currency: Currency::USD,
        items: &[
            ("Classic burger", 1450),
            ("Fries", 499),
            ("Chocolate milkshake", 699),
            ("Iced tea", 299),
        ],
    },
    KnownMerchant {
        name: "Northwind Electronics",
        category: "electronics",
        city: "Seattle",
        currency: Currency::USD,
        items: &[
            ("USB-C cable 2 m", 1999),
            ("Wireless earbuds", 7999),
            ("Phone case", 2499),
            ("Screen protector", 1299),
        ],
    },
    KnownMerchant {
        name: "Metro Fuel",
        category: "fuel",
        city: "Denver",
        currency: Currency::USD,
        items: &[
            ("Unleaded fuel", 4200),
            ("Trail mix", 349),
            ("Coffee to go", 229),
        ],
    },
];

/// The catalogue entry of a merchant, by name.
pub fn known(name: &str) -> Option<&'static KnownMerchant> {
    MERCHANTS.iter().find(|m| m.name == name)
}
