//! What the canvas shows (the flow's offset and zoom) and the gestures'
//! arithmetic: zoom at a point, pan, pinch with two fingers.

/// Two fingers on the canvas: how far apart, and their midpoint (canvas
/// pixels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fingers {
    pub spread: f64,
    pub centre: (f64, f64),
}

impl Fingers {
    pub fn of(a: (f64, f64), b: (f64, f64)) -> Self {
        Fingers {
            spread: (a.0 - b.0).hypot(a.1 - b.1),
            centre: ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0),
        }
    }
}

/// What the canvas shows: the offset of the flow's origin and the zoom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    pub x: f64,
    pub y: f64,
    pub zoom: f64,
    /// The canvas's size on screen (for centring).
    pub width: f64,
    pub height: f64,
}

impl Default for Viewport {
    fn default() -> Self {
        Viewport {
            x: 40.0,
            y: 40.0,
            zoom: 1.0,
            width: 800.0,
            height: 600.0,
        }
    }
}

impl Viewport {
    /// The flow point at the middle of the screen.
    pub fn centre(&self) -> (f64, f64) {
        (
            (self.width / 2.0 - self.x) / self.zoom,
            (self.height / 2.0 - self.y) / self.zoom,
        )
    }

    pub fn centre_on(&mut self, x: f64, y: f64) {
        self.x = self.width / 2.0 - x * self.zoom;
        self.y = self.height / 2.0 - y * self.zoom;
    }

    /// Zooms by `factor` keeping the screen point (`sx`, `sy`) still.
    pub fn zoom_at(&mut self, factor: f64, sx: f64, sy: f64) {
        let zoom = (self.zoom * factor).clamp(0.25, 2.0);
        let (fx, fy) = ((sx - self.x) / self.zoom, (sy - self.y) / self.zoom);
        self.zoom = zoom;
        self.x = sx - fx * zoom;
        self.y = sy - fy * zoom;
    }

    /// Two fingers moved from `before` to `after`: the flow follows their
    /// midpoint and scales by how much they spread.
    pub fn pinch(&mut self, before: Fingers, after: Fingers) {
        self.x += after.centre.0 - before.centre.0;
        self.y += after.centre.1 - before.centre.1;
        if before.spread > 0.0 {
            self.zoom_at(after.spread / before.spread, after.centre.0, after.centre.1);
        }
    }

    pub(super) fn to_flow(self, sx: f64, sy: f64) -> (f64, f64) {
        ((sx - self.x) / self.zoom, (sy - self.y) / self.zoom)
    }
}

/// What the pointer is doing.
#[derive(Clone, Debug, PartialEq)]
pub enum Drag {
    Idle,
    /// A block follows the pointer, held at (`grab_x`, `grab_y`) inside it.
    Move {
        id: String,
        grab_x: f64,
        grab_y: f64,
    },
    /// A line from an output follows the pointer (flow coordinates).
    Connect {
        from: String,
        output: String,
        at: (f64, f64),
    },
    Pan {
        last: (f64, f64),
    },
    /// A palette block on its way to the canvas (screen coordinates).
    Place {
        type_name: String,
        client: (f64, f64),
    },
    /// Two fingers on the canvas, where they were last.
    Pinch(Fingers),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreading_two_fingers_zooms_in_around_them_and_keeps_the_point_under_them() {
        let mut view = Viewport::default();
        let before = Fingers::of((100.0, 100.0), (200.0, 100.0));
        let under = view.to_flow(before.centre.0, before.centre.1);
        let after = Fingers::of((50.0, 100.0), (250.0, 100.0));
        view.pinch(before, after);
        assert!(
            (view.zoom - 2.0).abs() < 1e-9,
            "twice as far apart: twice the zoom"
        );
        let now = view.to_flow(after.centre.0, after.centre.1);
        assert!((now.0 - under.0).abs() < 1e-9 && (now.1 - under.1).abs() < 1e-9);
    }

    #[test]
    fn moving_two_fingers_together_pans_without_zooming() {
        let mut view = Viewport::default();
        let before = Fingers::of((100.0, 100.0), (200.0, 100.0));
        let after = Fingers::of((130.0, 80.0), (230.0, 80.0));
        view.pinch(before, after);
        assert_eq!((view.x, view.y, view.zoom), (70.0, 20.0, 1.0));
    }

    #[test]
    fn a_pinch_stops_at_the_zoom_limits() {
        let mut view = Viewport::default();
        view.pinch(
            Fingers::of((100.0, 100.0), (110.0, 100.0)),
            Fingers::of((0.0, 100.0), (400.0, 100.0)),
        );
        assert_eq!(view.zoom, 2.0);
    }
}
