//! Interaction categories: an account's tree (a parent and its children) that
//! agents pick from when they wrap a conversation up. The tree's rules live
//! here, so the settings page and the server agree.

use serde::{Deserialize, Serialize};

use crate::errors::ErrorCode;

/// Top level, child, grandchild: deeper trees are hard to pick from.
pub const MAX_DEPTH: usize = 3;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub description: String,
    /// Deactivated categories stay in history but cannot be picked.
    pub active: bool,
}

/// A category the AI expects at wrap-up: how the account's conversations
/// most like this one were categorized.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategorySuggestion {
    pub category_id: i64,
    pub name: String,
    /// Its share of the similar conversations' votes, 0–1.
    pub share: f32,
}

/// The account's categories and whether resolving needs one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategorySetup {
    pub categories: Vec<Category>,
    /// Every conversation needs a category to be resolved…
    pub required: bool,
    /// …or only those on these kinds of channel (`whatsapp_cloud`, `email`, …).
    pub required_channel_kinds: Vec<String>,
}

/// `category` and its ancestors' ids, nearest first (stops at a loop).
fn ancestors(categories: &[Category], mut parent: Option<i64>) -> Vec<i64> {
    let mut chain = Vec::new();
    while let Some(id) = parent {
        if chain.contains(&id) {
            break;
        }
        chain.push(id);
        parent = categories
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.parent_id);
    }
    chain
}

/// How deep the subtree under `id` goes (0: no children).
fn height(categories: &[Category], id: i64) -> usize {
    categories
        .iter()
        .filter(|c| c.parent_id == Some(id))
        .map(|c| 1 + height(categories, c.id))
        .max()
        .unwrap_or(0)
}

/// Whether `moving` (a new category when `None`) may sit under `parent`:
/// the parent exists and is active, is not the category itself or one of
/// its descendants, and the tree stays within [`MAX_DEPTH`] levels.
pub fn check_parent(
    categories: &[Category],
    moving: Option<i64>,
    parent: Option<i64>,
) -> Result<(), ErrorCode> {
    let Some(parent_id) = parent else {
        return Ok(());
    };
    let Some(parent) = categories.iter().find(|c| c.id == parent_id) else {
        return Err(ErrorCode::OptionInvalid);
    };
    if !parent.active {
        return Err(ErrorCode::OptionInvalid);
    }
    let chain = ancestors(categories, Some(parent_id));
    if moving.is_some_and(|id| chain.contains(&id)) {
        return Err(ErrorCode::CategoryLoop);
    }
    let below = moving.map_or(0, |id| height(categories, id));
    if chain.len() + 1 + below > MAX_DEPTH {
        return Err(ErrorCode::CategoryTooDeep);
    }
    Ok(())
}

/// The categories as a list in tree order, each with its depth.
pub fn in_tree_order(categories: &[Category]) -> Vec<(usize, &Category)> {
    fn visit<'a>(
        all: &'a [Category],
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<(usize, &'a Category)>,
    ) {
        let mut level: Vec<&Category> = all.iter().filter(|c| c.parent_id == parent).collect();
        level.sort_by_key(|c| c.name.to_lowercase());
        for category in level {
            out.push((depth, category));
            if depth < MAX_DEPTH {
                visit(all, Some(category.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::with_capacity(categories.len());
    visit(categories, None, 0, &mut out);
    out
}

/// `Billing › Refunds`.
pub fn path(categories: &[Category], id: i64) -> String {
    let mut names: Vec<&str> = ancestors(categories, Some(id))
        .iter()
        .filter_map(|a| categories.iter().find(|c| c.id == *a))
        .map(|c| c.name.as_str())
        .collect();
    names.reverse();
    names.join(" › ")
}

impl CategorySetup {
    /// Whether resolving a conversation on a `channel_kind` channel needs a
    /// category.
    pub fn required_for(&self, channel_kind: &str) -> bool {
        self.required
            || self
                .required_channel_kinds
                .iter()
                .any(|k| k == channel_kind)
    }

    /// The categories an agent may pick at wrap-up.
    pub fn pickable(&self) -> Vec<(usize, &Category)> {
        in_tree_order(&self.categories)
            .into_iter()
            .filter(|(_, c)| c.active)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: i64, parent_id: Option<i64>, name: &str) -> Category {
        Category {
            id,
            parent_id,
            name: name.into(),
            description: String::new(),
            active: true,
        }
    }

    fn tree() -> Vec<Category> {
        vec![
            category(1, None, "Billing"),
            category(2, Some(1), "Refunds"),
            category(3, Some(2), "Card"),
            category(4, None, "Support"),
        ]
    }

    #[test]
    fn a_category_cannot_sit_under_itself_or_its_descendants() {
        let tree = tree();
        assert_eq!(
            check_parent(&tree, Some(1), Some(1)),
            Err(ErrorCode::CategoryLoop)
        );
        assert_eq!(
            check_parent(&tree, Some(1), Some(3)),
            Err(ErrorCode::CategoryLoop)
        );
        assert_eq!(check_parent(&tree, Some(4), Some(1)), Ok(()));
    }

    #[test]
    fn the_tree_stays_three_levels_deep() {
        let tree = tree();
        // A new child of "Card" would be a fourth level.
        assert_eq!(
            check_parent(&tree, None, Some(3)),
            Err(ErrorCode::CategoryTooDeep)
        );
        assert_eq!(check_parent(&tree, None, Some(2)), Ok(()));
        // Moving "Refunds" (with its child) under "Support" keeps three levels…
        assert_eq!(check_parent(&tree, Some(2), Some(4)), Ok(()));
        // …but "Billing" (three levels itself) cannot go under anything.
        assert_eq!(
            check_parent(&tree, Some(1), Some(4)),
            Err(ErrorCode::CategoryTooDeep)
        );
    }

    #[test]
    fn a_parent_must_exist_and_be_active() {
        let mut tree = tree();
        assert_eq!(
            check_parent(&tree, None, Some(99)),
            Err(ErrorCode::OptionInvalid)
        );
        tree[3].active = false;
        assert_eq!(
            check_parent(&tree, None, Some(4)),
            Err(ErrorCode::OptionInvalid)
        );
    }

    #[test]
    fn the_tree_lists_parents_before_their_children_and_names_paths() {
        let tree = tree();
        let order: Vec<(usize, i64)> = in_tree_order(&tree)
            .iter()
            .map(|(d, c)| (*d, c.id))
            .collect();
        assert_eq!(order, [(0, 1), (1, 2), (2, 3), (0, 4)]);
        assert_eq!(path(&tree, 3), "Billing › Refunds › Card");
    }

    #[test]
    fn deactivated_categories_are_not_pickable_and_requirements_follow_the_channel() {
        let mut setup = CategorySetup {
            categories: tree(),
            required: false,
            required_channel_kinds: vec!["email".into()],
        };
        setup.categories[1].active = false;
        let pickable: Vec<i64> = setup.pickable().iter().map(|(_, c)| c.id).collect();
        assert_eq!(pickable, [1, 3, 4]);
        assert!(setup.required_for("email"));
        assert!(!setup.required_for("website"));
        setup.required = true;
        assert!(setup.required_for("website"));
    }
}
