//! Names for the demo platform, by language. A name in a non-Latin script carries its
//! romanisation (`written:romanised`), which makes usernames, emails and slugs (ASCII) for it.
//! Lists are `|`-separated text, so that the data stays compact.

use std::sync::LazyLock;

/// (as written, romanised; empty when the written form folds to ASCII by itself).
pub type Name = (&'static str, &'static str);

pub struct Lang {
    pub country: &'static str,
    pub first: Vec<Name>,
    pub last: Vec<Name>,
    /// Company name templates: `{}` is a family name.
    pub companies: Vec<Name>,
    pub regions: Vec<&'static str>,
    pub departments: Vec<&'static str>,
    /// The word for a team ("Squadra 2").
    pub team: &'static str,
}

struct Raw {
    country: &'static str,
    first: &'static str,
    last: &'static str,
    companies: &'static str,
    regions: &'static str,
    departments: &'static str,
    team: &'static str,
}

fn pairs(list: &'static str) -> Vec<Name> {
    list.split('|')
        .map(|n| n.split_once(':').unwrap_or((n, "")))
        .collect()
}

pub static LANGS: LazyLock<Vec<Lang>> = LazyLock::new(|| {
    RAW.iter()
        .map(|r| Lang {
            country: r.country,
            first: pairs(r.first),
            last: pairs(r.last),
            companies: pairs(r.companies),
            regions: r.regions.split('|').collect(),
            departments: r.departments.split('|').collect(),
            team: r.team,
        })
        .collect()
});

#[rustfmt::skip]
const RAW: &[Raw] = &[
    Raw {
        country: "IT",
        first: "Giulia|Marco|Francesca|Alessandro|Chiara|Lorenzo|Sofia|Matteo|Aurora|Niccolò|\
            Beatrice|Riccardo|Martina|Davide|Elisa|Tommaso|Giorgia|Federico|Alessia|Andrea|\
            Valentina|Gabriele|Ilaria|Simone|Serena|Stefano",
        last: "Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo|Ricci|Marino|Greco|Bruno|\
            Gallo|Conti|De Luca|Mancini|Costa|Giordano|Rizzo|Lombardi|Moretti|Barbieri|\
            Fontana|Santoro|Caruso|Mariani|Rinaldi",
        companies: "{} Costruzioni S.p.A.|{} Logistica|Assicurazioni {}|{} & Figli|Officine {}",
        regions: "Lombardia|Piemonte|Veneto|Toscana|Lazio|Campania|Sicilia|Emilia-Romagna|Puglia",
        departments: "Vendite|Amministrazione|Risorse Umane|Logistica|Produzione|Marketing|\
            Ricerca e Sviluppo|Assistenza Clienti",
        team: "Squadra",
    },
    Raw {
        country: "DK",
        first: "Søren|Mette|Anders|Louise|Rasmus|Freja|Mikkel|Ida|Jesper|Astrid|Kasper|Sofie|\
            Bjørn|Signe|Mads|Camilla|Frederik|Line|Niels|Karen|Henrik|Maja|Troels|Birgitte",
        last: "Jensen|Nielsen|Hansen|Pedersen|Andersen|Christensen|Larsen|Sørensen|Rasmussen|\
            Jørgensen|Madsen|Kristensen|Østergaard|Kjær|Olsen|Thomsen|Poulsen|Johansen|\
            Møller|Mortensen|Frederiksen|Lund|Holm|Schmidt",
        companies: "{} Byg A/S|{} Logistik ApS|{} & Søn|Nordisk {} Rådgivning",
        regions: "Hovedstaden|Sjælland|Syddanmark|Midtjylland|Nordjylland|Bornholm",
        departments: "Salg|Økonomi|HR|Logistik|Produktion|Marketing|Udvikling|Kundeservice",
        team: "Hold",
    },
    Raw {
        country: "JP",
        first: "陽翔:Haruto|結衣:Yui|蓮:Ren|さくら:Sakura|大翔:Hiroto|美咲:Misaki|湊:Minato|葵:Aoi|健太:Kenta|\
            花子:Hanako|翔太:Shota|優子:Yuko|拓也:Takuya|愛:Ai|大輔:Daisuke|陽菜:Hina|悠真:Yuma|真由美:Mayumi|\
            誠:Makoto|恵:Megumi|直樹:Naoki|彩:Aya",
        last: "佐藤:Sato|鈴木:Suzuki|高橋:Takahashi|田中:Tanaka|伊藤:Ito|渡辺:Watanabe|山本:Yamamoto|\
            中村:Nakamura|小林:Kobayashi|加藤:Kato|吉田:Yoshida|山田:Yamada|佐々木:Sasaki|山口:Yamaguchi|\
            松本:Matsumoto|井上:Inoue|木村:Kimura|林:Hayashi|斎藤:Saito|清水:Shimizu|森:Mori|池田:Ikeda",
        companies: "{}商事株式会社:{} Shoji|{}建設:{} Kensetsu|{}電機:{} Denki|{}物産:{} Bussan",
        regions: "関東支社|関西支社|東北支社|九州支社|北海道支社|中部支社",
        departments: "営業部|経理部|人事部|物流部|製造部|開発部|マーケティング部|お客様相談室",
        team: "チーム",
    },
    Raw {
        country: "GR",
        first: "Γιώργος:Giorgos|Μαρία:Maria|Δημήτρης:Dimitris|Ελένη:Eleni|Νίκος:Nikos|\
            Κατερίνα:Katerina|Κώστας:Kostas|Σοφία:Sofia|Γιάννης:Giannis|Αναστασία:Anastasia|\
            Παναγιώτης:Panagiotis|Βασιλική:Vasiliki|Χρήστος:Christos|Δέσποινα:Despoina|\
            Θανάσης:Thanasis|Ευαγγελία:Evangelia|Σπύρος:Spyros|Ιωάννα:Ioanna|\
            Αλέξανδρος:Alexandros|Φωτεινή:Foteini",
        last: "Παπαδόπουλος:Papadopoulos|Παπαδοπούλου:Papadopoulou|Βλάχος:Vlachos|\
            Αγγελοπούλου:Angelopoulou|Νικολάου:Nikolaou|Γεωργίου:Georgiou|\
            Οικονόμου:Oikonomou|Καραγιάννης:Karagiannis|Μακρή:Makri|Δημητρίου:Dimitriou|\
            Ιωάννου:Ioannou|Κωνσταντίνου:Konstantinou|Παπαγεωργίου:Papageorgiou|\
            Αθανασίου:Athanasiou|Χριστοδούλου:Christodoulou|Μαυρίδης:Mavridis|\
            Πετρόπουλος:Petropoulos|Σταθοπούλου:Stathopoulou|Αλεξίου:Alexiou|\
            Λαμπράκης:Lamprakis",
        companies: "{} Ναυτιλιακή Α.Ε.:{} Naftiliaki|Όμιλος {}:Omilos {}|{} Τεχνική:{} Techniki",
        regions: "Αττική|Κεντρική Μακεδονία|Κρήτη|Θεσσαλία|Πελοπόννησος|Ήπειρος",
        departments: "Πωλήσεις|Λογιστήριο|Ανθρώπινο Δυναμικό|Εφοδιαστική|Παραγωγή|Εξυπηρέτηση Πελατών",
        team: "Ομάδα",
    },
    Raw {
        country: "ES",
        first: "José|María|Lucía|Javier|Carmen|Alejandro|Sofía|Pablo|Martina|Álvaro|Paula|Sergio|\
            Inés|Raúl|Daniel|Elena|Adrián|Marta|Diego|Laura|Hugo|Nerea|Iñigo|Begoña",
        last: "García|Fernández|González|Rodríguez|López|Martínez|Sánchez|Pérez|Gómez|Martín|\
            Jiménez|Ruiz|Muñoz|Ibáñez|Hernández|Díaz|Moreno|Álvarez|Romero|Navarro|Torres|\
            Domínguez|Vázquez|Castaño",
        companies: "Grupo {}|{} Hermanos S.L.|Construcciones {}|Transportes {}",
        regions: "Andalucía|Cataluña|Madrid|Galicia|Comunidad Valenciana|País Vasco|\
            Castilla y León",
        departments: "Ventas|Contabilidad|Recursos Humanos|Logística|Producción|Atención al Cliente|\
            Compras",
        team: "Equipo",
    },
    Raw {
        country: "DE",
        first: "Lukas|Anna|Jürgen|Lena|Maximilian|Sophie|Jonas|Hannah|Felix|Mia|Günther|Ursula|\
            Tobias|Katharina|Leon|Emilia|Stefan|Sabine|Moritz|Jana|Wolfgang|Brigitte|Niklas|\
            Jörg",
        last: "Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|\
            Schäfer|Koch|Bauer|Groß|Richter|Klein|Wolf|Schröder|Neumann|Schwarz|Zimmermann|\
            Braun|Krüger|Hofmann",
        companies: "{} Maschinenbau GmbH|{} Logistik AG|{} & Partner|Bäckerei {}",
        regions: "Bayern|Berlin|Hamburg|Hessen|Sachsen|Nordrhein-Westfalen|Baden-Württemberg",
        departments: "Vertrieb|Buchhaltung|Personal|Logistik|Fertigung|Entwicklung|Kundendienst|\
            Einkauf",
        team: "Team",
    },
    Raw {
        country: "PL",
        first: "Łukasz|Agnieszka|Piotr|Małgorzata|Krzysztof|Katarzyna|Paweł|Zofia|Michał|Joanna|\
            Grzegorz|Ewa|Tomasz|Magdalena|Marcin|Aleksandra|Jakub|Dorota|Wojciech|Barbara|\
            Kamil|Justyna",
        last: "Nowak|Kowalski|Wiśniewski|Wójcik|Kowalczyk|Kamiński|Lewandowska|Zielińska|\
            Szymański|Woźniak|Dąbrowski|Kozłowska|Jankowski|Mazur|Kwiatkowska|Krawczyk|\
            Piotrowski|Grabowska|Nowakowski|Pawłowska|Michalski|Wróbel",
        companies: "{} Budownictwo Sp. z o.o.|{} Transport|Hurtownia {}",
        regions: "Mazowsze|Małopolska|Śląsk|Pomorze|Wielkopolska|Dolny Śląsk",
        departments: "Sprzedaż|Księgowość|Kadry|Logistyka|Produkcja|Obsługa Klienta|Zakupy",
        team: "Zespół",
    },
    Raw {
        country: "SA",
        first: "محمد:Mohammed|فاطمة:Fatima|أحمد:Ahmed|نور:Nour|علي:Ali|مريم:Maryam|يوسف:Youssef|\
            ليلى:Layla|عمر:Omar|سارة:Sara|خالد:Khaled|هدى:Huda|إبراهيم:Ibrahim|رنا:Rana|\
            حسن:Hassan|ياسمين:Yasmin|طارق:Tarek|دينا:Dina|سامي:Sami|أمل:Amal",
        last: "الأحمد:Al-Ahmad|الحسن:Al-Hassan|المصري:Al-Masri|العلي:Al-Ali|الخطيب:Al-Khatib|\
            الزهراني:Al-Zahrani|الشمري:Al-Shammari|حداد:Haddad|منصور:Mansour|سليمان:Suleiman|\
            القحطاني:Al-Qahtani|العتيبي:Al-Otaibi|الحربي:Al-Harbi|عبد الله:Abdullah|\
            خوري:Khoury|نصار:Nassar|الدوسري:Al-Dosari|سعيد:Saeed|عيسى:Issa",
        companies: "شركة {} للتجارة:{} Trading|مجموعة {}:{} Group|{} للمقاولات:{} Contracting",
        regions: "الرياض|جدة|دبي|القاهرة|الدار البيضاء|عمّان",
        departments: "المبيعات|المحاسبة|الموارد البشرية|الخدمات اللوجستية|التسويق|خدمة العملاء",
        team: "فريق",
    },
    Raw {
        country: "FR",
        first: "Camille|Léa|Louis|Chloé|Hugo|Manon|Théo|Inès|Gabriel|Zoé|Étienne|Héloïse|Nicolas|\
            Julie|Antoine|Mathilde|Julien|Élodie|Maxime|Margaux|François|Cécile",
        last: "Martin|Bernard|Dubois|Thomas|Robert|Richard|Petit|Durand|Leroy|Moreau|Lefèvre|\
            Fournier|Simon|Laurent|Michel|Garcia|David|Bertrand|Roux|Vincent|Morel|Girard",
        companies: "{} et Fils|Groupe {}|{} Bâtiment SARL|Transports {}",
        regions: "Île-de-France|Bretagne|Occitanie|Normandie|Provence-Alpes-Côte d'Azur|\
            Hauts-de-France",
        departments: "Ventes|Comptabilité|Ressources humaines|Logistique|Production|Service client|\
            Achats",
        team: "Équipe",
    },
    Raw {
        country: "BR",
        first: "João|Ana|Gabriel|Beatriz|Lucas|Mariana|Rafael|Júlia|Thiago|Letícia|Gonçalo|\
            Conceição|Pedro|Fernanda|Matheus|Camila|Bruno|Larissa|Felipe|Vitória|Caio|\
            Antônia",
        last: "Silva|Santos|Oliveira|Souza|Pereira|Lima|Carvalho|Gonçalves|Araújo|Ribeiro|\
            Almeida|Magalhães|Ferreira|Rodrigues|Costa|Martins|Rocha|Barbosa|Cardoso|\
            Teixeira|Mendes|Nascimento",
        companies: "{} Engenharia Ltda.|Grupo {}|{} Distribuidora",
        regions: "São Paulo|Minas Gerais|Bahia|Paraná|Rio Grande do Sul|Pernambuco",
        departments: "Vendas|Contabilidade|Recursos Humanos|Logística|Produção|Atendimento",
        team: "Equipe",
    },
    Raw {
        country: "TR",
        first: "Mehmet|Ayşe|Mustafa|Fatma|Emre|Zeynep|Burak|Elif|Oğuz|Büşra|Çağlar|Şule|Ahmet|\
            Emine|Hüseyin|Merve|Murat|Özlem|Serkan|Derya|Kerem|Gülşen",
        last: "Yılmaz|Kaya|Demir|Şahin|Çelik|Yıldız|Yıldırım|Öztürk|Aydın|Özdemir|Arslan|Doğan|\
            Kılıç|Aslan|Çetin|Kara|Koç|Kurt|Özkan|Şimşek|Polat|Erdoğan",
        companies: "{} İnşaat A.Ş.|{} Holding|{} Lojistik",
        regions: "İstanbul|Ankara|İzmir|Bursa|Antalya|Konya",
        departments: "Satış|Muhasebe|İnsan Kaynakları|Lojistik|Üretim|Müşteri Hizmetleri",
        team: "Ekip",
    },
    Raw {
        country: "CN",
        first: "伟:Wei|芳:Fang|娜:Na|敏:Min|静:Jing|磊:Lei|洋:Yang|艳:Yan|勇:Yong|军:Jun|杰:Jie|丽:Li|\
            秀英:Xiuying|建华:Jianhua|晓明:Xiaoming|婷:Ting|浩:Hao|雪:Xue|志强:Zhiqiang|慧:Hui|宇:Yu|\
            倩:Qian",
        last: "王:Wang|李:Li|张:Zhang|刘:Liu|陈:Chen|杨:Yang|黄:Huang|赵:Zhao|吴:Wu|周:Zhou|徐:Xu|孙:Sun|\
            马:Ma|朱:Zhu|胡:Hu|郭:Guo|何:He|高:Gao|林:Lin|罗:Luo",
        companies: "{}氏集团:{} Group|{}科技有限公司:{} Technology|{}贸易:{} Trading",
        regions: "华北区|华东区|华南区|西南区|东北区|华中区",
        departments: "销售部|财务部|人力资源部|物流部|研发部|客户服务部",
        team: "小组",
    },
    Raw {
        country: "FI",
        first: "Aino|Eetu|Helmi|Onni|Siiri|Väinö|Elli|Juho|Pihla|Ville|Matti|Liisa|Jukka|Sanna|\
            Antti|Tuula|Mikko|Päivi|Jari|Riikka",
        last: "Korhonen|Virtanen|Mäkinen|Nieminen|Mäkelä|Hämäläinen|Laine|Heikkinen|Koskinen|\
            Järvinen|Lehtonen|Lehtinen|Saarinen|Salminen|Heinonen|Niemi|Heikkilä|Kinnunen|\
            Salonen|Turunen",
        companies: "{} Oy|{} Rakennus Oy|{} Kuljetus",
        regions: "Uusimaa|Pirkanmaa|Varsinais-Suomi|Pohjois-Pohjanmaa|Lappi",
        departments: "Myynti|Talous|Henkilöstö|Logistiikka|Tuotanto|Asiakaspalvelu",
        team: "Tiimi",
    },
];
/// Folds a romanised or Latin-script name to lower-case ASCII letters and digits
/// (`Søren` → `soren`, `Łukasz` → `lukasz`, `De Luca` → `deluca`).
pub fn ascii_fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for token in portico_domain::search::tokens(name) {
        for c in token.chars() {
            match c {
                'a'..='z' | '0'..='9' => out.push(c),
                'ł' => out.push('l'),
                'ø' => out.push('o'),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'ß' => out.push_str("ss"),
                'đ' | 'ð' => out.push('d'),
                'þ' => out.push_str("th"),
                'ı' => out.push('i'),
                _ => {}
            }
        }
    }
    out
}

/// The ASCII form of a name: its romanisation, or its own letters folded.
pub fn roman(n: &Name) -> String {
    ascii_fold(if n.1.is_empty() { n.0 } else { n.1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_an_ascii_form() {
        assert!(LANGS.len() >= 12);
        for l in LANGS.iter() {
            assert!(l.first.len() >= 20 && l.last.len() >= 19, "{}", l.country);
            for n in l.first.iter().chain(&l.last) {
                assert!(roman(n).len() >= 2, "{} has no usable ASCII form", n.0);
            }
            for (written, romanised) in &l.companies {
                assert!(written.contains("{}"), "{written}");
                assert!(
                    romanised.is_empty() || romanised.contains("{}"),
                    "{romanised}"
                );
            }
            assert!(!l.regions.is_empty() && !l.departments.is_empty());
        }
        assert_eq!(ascii_fold("Søren Østergaard"), "sorenostergaard");
        assert_eq!(ascii_fold("Łukasz"), "lukasz");
        assert_eq!(ascii_fold("Yılmaz"), "yilmaz");
        assert_eq!(ascii_fold("Al-Ahmad"), "alahmad");
    }
}
