use super::evaluation::{evaluate, Set};
use super::lexicon::{parse, Entry};
use super::*;

/// Accuracy recorded on the labelled sets (see docs/AI.md); a change to
/// the engine or the lexicons that loses accuracy fails here.
const RECORDED: [(Set, &str, f64); 4] = [
    (Set::Development, "pt", 1.0), // 68 of 68
    (Set::Development, "en", 47.0 / 48.0),
    (Set::HeldOut, "pt", 12.0 / 16.0),
    (Set::HeldOut, "en", 13.0 / 14.0),
];

#[test]
fn accuracy_on_the_labelled_examples_holds_the_recorded_figure() {
    let mut short = Vec::new();
    for (set, language, recorded) in RECORDED {
        let results = evaluate(set).expect("every example line reads");
        let result = results
            .iter()
            .find(|r| r.language == language)
            .expect("examples in each language");
        if result.ratio() + 1e-9 < recorded {
            short.push(format!(
                "{} {language}: {}/{} = {:.3} < {recorded}; misses: {:#?}",
                set.name(),
                result.right,
                result.examples,
                result.ratio(),
                result.misses
            ));
        }
    }
    assert!(short.is_empty(), "{}", short.join("\n"));
}

#[test]
fn every_lexicon_line_is_an_entry_of_one_word() {
    for source in [include_str!("pt_br.txt"), include_str!("en.txt")] {
        for entry in parse(source) {
            let (word, _) = entry.unwrap_or_else(|line| panic!("not an entry: {line:?}"));
            assert!(
                !word.contains(char::is_whitespace),
                "one word per entry: {word:?}"
            );
        }
    }
    let negation = parse("nao !not\nmuito x1.5\nruim -2\nmas !but").collect::<Vec<_>>();
    assert_eq!(
        negation,
        [
            Ok(("nao", Entry::Modifier(Modifier::Negation))),
            Ok(("muito", Entry::Modifier(Modifier::Intensity(1.5)))),
            Ok(("ruim", Entry::Score(-2.0))),
            Ok(("mas", Entry::Modifier(Modifier::But))),
        ]
    );
    assert!(
        parse("horrivel -9").all(|e| e.is_err()),
        "scores stay in -4..4"
    );
}

#[test]
fn negation_flips_what_follows_in_both_languages() {
    assert_eq!(of_text("Gostei do atendimento").feeling, Feeling::Positive);
    assert_eq!(
        of_text("Não gostei do atendimento").feeling,
        Feeling::Negative
    );
    assert_eq!(of_text("I liked it").feeling, Feeling::Positive);
    assert_eq!(
        of_text("I didn't like it, not good").feeling,
        Feeling::Negative
    );
    // "sem problemas" is fine; a problem is not.
    assert_eq!(of_text("Tive um problema").feeling, Feeling::Negative);
    assert!(of_text("Sem problemas").score > 0.0);
}

#[test]
fn intensifiers_shouting_and_exclamations_strengthen() {
    let plain = of_text("bom").score;
    assert!(of_text("muito bom").score > plain);
    assert!(of_text("pouco bom").score < plain);
    assert!(of_text("RUIM").score < of_text("ruim").score);
    assert!(of_text("ruim!!").score < of_text("ruim").score);
    assert!(of_text("Great!").score > of_text("Great").score);
}

#[test]
fn accents_are_optional_and_stems_cover_word_forms() {
    assert_eq!(of_text("pessimo").score, of_text("péssimo").score);
    assert!(of_text("demorou").score < 0.0);
    assert!(of_text("demorando").score < 0.0);
    assert_eq!(of_text("dem").score, 0.0, "too short for a stem");
}

#[test]
fn what_follows_but_outweighs_what_came_before() {
    assert_eq!(
        of_text("Demorou, mas resolveram. Obrigado!").feeling,
        Feeling::Positive
    );
    assert_eq!(
        of_text("The agent was nice but the problem is still there").feeling,
        Feeling::Negative
    );
}

#[test]
fn greetings_and_plain_questions_are_neutral() {
    for text in [
        "Bom dia",
        "Boa tarde!",
        "Good morning",
        "Qual o prazo de entrega?",
        "",
    ] {
        assert_eq!(of_text(text).feeling, Feeling::Neutral, "{text:?}");
    }
}

#[test]
fn emoji_count_like_words() {
    assert_eq!(of_text("👍").feeling, Feeling::Positive);
    assert_eq!(of_text("😡😡").feeling, Feeling::Negative);
}

#[test]
fn a_conversation_is_how_its_customer_feels_lately() {
    let turned_around = of_conversation([
        "Que absurdo, o pedido atrasou!",
        "Ok, vou aguardar",
        "Chegou! Muito obrigado, vocês são ótimos",
    ]);
    assert_eq!(turned_around.feeling, Feeling::Positive);
    let soured = of_conversation(["Obrigado", "Ainda não chegou", "Péssimo, quero cancelar"]);
    assert_eq!(soured.feeling, Feeling::Negative);
    assert_eq!(of_conversation([]).feeling, Feeling::Neutral);
}
