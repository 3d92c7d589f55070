//! The words of a customer's message that carry the request, how much of
//! them a quick reply covers, and a past answer's customer name made this
//! customer's — the offline engine's reply matching, pure.

/// Greetings, courtesy and the commonest small words, pt-BR and English
/// (folded): they say nothing about what the customer needs.
const STOP_WORDS: &[&str] = &[
    "ola",
    "oi",
    "bom",
    "boa",
    "dia",
    "dias",
    "tarde",
    "noite",
    "tudo",
    "bem",
    "por",
    "favor",
    "obrigado",
    "obrigada",
    "voce",
    "voces",
    "vcs",
    "que",
    "qual",
    "quais",
    "como",
    "quando",
    "onde",
    "quero",
    "queria",
    "gostaria",
    "preciso",
    "saber",
    "pode",
    "poderia",
    "podem",
    "tem",
    "tenho",
    "meu",
    "minha",
    "meus",
    "minhas",
    "seu",
    "sua",
    "seus",
    "suas",
    "para",
    "pra",
    "com",
    "sem",
    "uma",
    "uns",
    "umas",
    "esse",
    "essa",
    "isso",
    "este",
    "esta",
    "isto",
    "aqui",
    "ainda",
    "mais",
    "muito",
    "nao",
    "sim",
    "sobre",
    "ate",
    "foi",
    "ser",
    "estou",
    "sou",
    "ter",
    "fazer",
    "dos",
    "das",
    "nos",
    "nas",
    "pelo",
    "pela",
    "ele",
    "ela",
    "eles",
    "elas",
    "mesmo",
    "entao",
    "porque",
    "tambem",
    "hello",
    "hey",
    "good",
    "morning",
    "afternoon",
    "evening",
    "please",
    "thanks",
    "thank",
    "you",
    "your",
    "the",
    "and",
    "for",
    "with",
    "what",
    "when",
    "where",
    "how",
    "which",
    "can",
    "could",
    "would",
    "want",
    "need",
    "know",
    "have",
    "has",
    "does",
    "did",
    "are",
    "was",
    "this",
    "that",
    "there",
    "here",
    "still",
    "not",
    "yes",
    "about",
    "from",
    "get",
    "any",
    "some",
    "our",
    "its",
    "will",
];

/// Words match on their first letters, so "entregam" finds "entrega" and
/// "horarios" finds "horário".
const STEM_CHARS: usize = 5;

/// At most this many request words make the whole request: in a long
/// message, a reply covering three of its words covers it.
const WHOLE_REQUEST: usize = 3;

/// The words of `text` as matched: folded, stemmed, in order, each once.
pub(crate) fn stems(text: &str) -> Vec<String> {
    let mut stems: Vec<String> = Vec::new();
    for word in shared::text::fold(text).split(|c: char| !c.is_alphanumeric()) {
        let stem: String = word.chars().take(STEM_CHARS).collect();
        if !stem.is_empty() && !stems.contains(&stem) {
            stems.push(stem);
        }
    }
    stems
}

/// The request's words in `text`: its stems, without the stop words,
/// numbers and words under three letters.
pub(crate) fn request_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in request_terms(text) {
        let stem: String = word.chars().take(STEM_CHARS).collect();
        if !words.contains(&stem) {
            words.push(stem);
        }
    }
    words
}

/// The request's words in `text` whole (folded, each once), for a
/// full-text search.
pub(crate) fn request_terms(text: &str) -> Vec<String> {
    let folded = shared::text::fold(text);
    let mut terms: Vec<String> = Vec::new();
    for word in folded.split(|c: char| !c.is_alphanumeric()) {
        let meaningful = word.chars().count() >= 3
            && !word.chars().all(|c| c.is_ascii_digit())
            && !STOP_WORDS.contains(&word);
        if meaningful && !terms.iter().any(|t| t == word) {
            terms.push(word.to_string());
        }
    }
    terms
}

/// How much of the request a reply's words cover, 0–1.
pub(crate) fn coverage(request: &[String], reply: &[String]) -> f32 {
    if request.is_empty() {
        return 0.0;
    }
    let covered = request.iter().filter(|word| reply.contains(word)).count();
    (covered as f32 / request.len().min(WHOLE_REQUEST) as f32).min(1.0)
}

/// The first name people are greeted by, if `name` has one (not a phone
/// number or an e-mail address).
pub(super) fn first_name(name: &str) -> Option<&str> {
    let first = name.split_whitespace().next()?;
    let is_name = first.chars().count() >= 2
        && first
            .chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'');
    is_name.then_some(first)
}

/// `answer` as said to someone else: their first name (`from`), where it
/// stands as a word, becomes `to`'s, or goes with the comma or space
/// before it when this customer's is unknown ("Oi, Lúcia!" → "Oi!").
pub(super) fn readdressed(answer: &str, from: &str, to: Option<&str>) -> String {
    let mut out = String::with_capacity(answer.len());
    let mut rest = answer;
    while let Some(at) = rest.find(from) {
        let before = &rest[..at];
        let after = &rest[at + from.len()..];
        let whole_word =
            !before.ends_with(char::is_alphanumeric) && !after.starts_with(char::is_alphanumeric);
        out.push_str(before);
        match (whole_word, to) {
            (true, Some(to)) => out.push_str(to),
            (true, None) => {
                let kept = out.trim_end_matches([' ', ',']).len();
                out.truncate(kept);
                if out.is_empty() || out.ends_with(['.', '!', '?']) {
                    // The name opened a sentence: the next word does now.
                    let next = after.trim_start_matches([' ', ',']);
                    let mut letters = next.chars();
                    if let Some(first) = letters.next() {
                        if !out.is_empty() {
                            out.push(' ');
                        }
                        out.extend(first.to_uppercase());
                        rest = letters.as_str();
                        continue;
                    }
                }
            }
            (false, _) => out.push_str(from),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        request_words(text)
    }

    #[test]
    fn request_words_leave_out_greetings_courtesy_and_numbers() {
        assert_eq!(
            words("Bom dia! Qual o PRAZO de entrega para Campinas, por favor? Pedido 4821"),
            ["prazo", "entre", "campi", "pedid"]
        );
        assert_eq!(words("Oi, tudo bem? Obrigado!"), Vec::<String>::new());
        assert_eq!(words("What are your opening hours?"), ["openi", "hours"]);
    }

    #[test]
    fn coverage_counts_the_request_words_a_reply_holds() {
        let reply = stems("O prazo de entrega é de 3 a 5 dias úteis.");
        assert_eq!(coverage(&words("Qual o prazo de entrega?"), &reply), 1.0);
        // "entregam" and "entrega" share their stem.
        let asked = words("Vocês entregam no Rio de Janeiro?");
        assert!((coverage(&asked, &reply) - 1.0 / 3.0).abs() < 1e-6);
        // Positive control above; here nothing is covered.
        assert_eq!(coverage(&words("O site está fora do ar?"), &reply), 0.0);
        assert_eq!(coverage(&[], &reply), 0.0);
    }

    #[test]
    fn a_long_request_is_covered_by_three_of_its_words() {
        let asked = words("pix chave pagamento boleto cartao parcelas");
        let reply = stems("Nossa chave Pix para o pagamento é o CNPJ.");
        assert_eq!(coverage(&asked, &reply), 1.0);
    }

    #[test]
    fn first_names_are_words_of_letters() {
        assert_eq!(first_name("Lúcia Ramos"), Some("Lúcia"));
        assert_eq!(first_name("+55 11 98765-0001"), None);
        assert_eq!(first_name("ana@example.com"), None);
        assert_eq!(first_name(""), None);
    }

    #[test]
    fn answers_are_readdressed_to_this_customer() {
        let answer = "Oi, Lúcia! Lúcia, seu pedido sai amanhã. Lúciana não.";
        assert_eq!(
            readdressed(answer, "Lúcia", Some("Paula")),
            "Oi, Paula! Paula, seu pedido sai amanhã. Lúciana não."
        );
        assert_eq!(
            readdressed(answer, "Lúcia", None),
            "Oi! Seu pedido sai amanhã. Lúciana não."
        );
        assert_eq!(readdressed("Obrigado, Lúcia.", "Lúcia", None), "Obrigado.");
        assert_eq!(readdressed("Sem nome.", "Lúcia", None), "Sem nome.");
    }
}
