//! The five field areas of a pass holding one kind of field: the design's fields
//! (with placeholders) and the rendered ones of pass.json share this shape.

use crate::style::FieldArea;
use serde::{Deserialize, Serialize};

/// A field that has a key, unique across all areas of a pass.
pub trait Keyed {
    fn key(&self) -> &str;
}

/// Fields by area, each area in display order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Areas<F> {
    /// `headerFields`: visible when the pass is stacked.
    #[serde(default)]
    pub header: Vec<F>,
    /// `primaryFields`
    #[serde(default)]
    pub primary: Vec<F>,
    /// `secondaryFields`
    #[serde(default)]
    pub secondary: Vec<F>,
    /// `auxiliaryFields`
    #[serde(default)]
    pub auxiliary: Vec<F>,
    /// `backFields`
    #[serde(default)]
    pub back: Vec<F>,
}

impl<F> Default for Areas<F> {
    fn default() -> Self {
        Areas {
            header: Vec::new(),
            primary: Vec::new(),
            secondary: Vec::new(),
            auxiliary: Vec::new(),
            back: Vec::new(),
        }
    }
}

impl<F> Areas<F> {
    /// The fields of one area.
    pub fn area(&self, area: FieldArea) -> &[F] {
        match area {
            FieldArea::Header => &self.header,
            FieldArea::Primary => &self.primary,
            FieldArea::Secondary => &self.secondary,
            FieldArea::Auxiliary => &self.auxiliary,
            FieldArea::Back => &self.back,
        }
    }

    /// The fields of one area, mutably.
    pub fn area_mut(&mut self, area: FieldArea) -> &mut Vec<F> {
        match area {
            FieldArea::Header => &mut self.header,
            FieldArea::Primary => &mut self.primary,
            FieldArea::Secondary => &mut self.secondary,
            FieldArea::Auxiliary => &mut self.auxiliary,
            FieldArea::Back => &mut self.back,
        }
    }

    /// Every field with its area, areas in Apple's order.
    pub fn iter(&self) -> impl Iterator<Item = (FieldArea, &F)> {
        FieldArea::ALL
            .into_iter()
            .flat_map(move |a| self.area(a).iter().map(move |f| (a, f)))
    }
}

impl<F: Keyed> Areas<F> {
    /// The field with this key, in any area.
    pub fn find(&self, key: &str) -> Option<&F> {
        self.iter().map(|(_, f)| f).find(|f| f.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct K(&'static str);
    impl Keyed for K {
        fn key(&self) -> &str {
            self.0
        }
    }

    #[test]
    fn areas_iterate_in_apple_order_and_find_by_key() {
        let mut areas = Areas::default();
        areas.area_mut(FieldArea::Back).push(K("b"));
        areas.header.push(K("h"));
        let order: Vec<(FieldArea, &str)> = areas.iter().map(|(a, f)| (a, f.0)).collect();
        assert_eq!(order, [(FieldArea::Header, "h"), (FieldArea::Back, "b")]);
        assert_eq!(areas.find("b").map(|f| f.0), Some("b"));
        assert!(areas.find("x").is_none());
    }
}
