//! Folding text for search: lower case without accents, so "voces" finds
//! "Vocês". The database folds stored text the same way (`search_fold()` in
//! `migrations/0005_walkthrough.sql`, PostgreSQL's `unaccent`); an
//! integration test checks that both agree on every letter here.

/// `text` in lower case with the accents of Latin letters removed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
            'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => out.push('c'),
            'ď' | 'đ' => out.push('d'),
            'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => out.push('e'),
            'ğ' | 'ĝ' | 'ġ' | 'ģ' => out.push('g'),
            'í' | 'ì' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' => out.push('i'),
            'ñ' | 'ń' | 'ň' | 'ņ' => out.push('n'),
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => out.push('o'),
            'ŕ' | 'ř' | 'ŗ' => out.push('r'),
            'ś' | 'š' | 'ş' | 'ŝ' => out.push('s'),
            'ť' | 'ţ' => out.push('t'),
            'ú' | 'ù' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => out.push('u'),
            'ý' | 'ÿ' => out.push('y'),
            'ź' | 'ż' | 'ž' => out.push('z'),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'ß' => out.push_str("ss"),
            other => out.push(other),
        }
    }
    out
}

/// The letters `fold` knows, for the test that compares it with the
/// database's folding.
pub const FOLDED_LETTERS: &str = "ÁÀÂÃÄÅáàâãäåāăąÇçćčĉċďđÉÈÊËéèêëēĕėęěğĝġģÍÌÎÏíìîïĩīĭįÑñńňņÓÒÔÕÖØóòôõöøōŏőŕřŗśšşŝťţÚÙÛÜúùûüũūŭůűųýÿźżžæœß";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_go() {
        assert_eq!(fold("Vocês Emitem NOTA?"), "voces emitem nota?");
        assert_eq!(fold("Família São João"), "familia sao joao");
        assert_eq!(fold("Ação — 100%"), "acao — 100%");
    }
}
