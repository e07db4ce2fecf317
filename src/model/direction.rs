use serde::Serialize;
use std::ops::{Index, IndexMut};

/// Which way bytes travel on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dir {
    ClientToServer,
    ServerToClient,
}

impl Dir {
    pub const BOTH: [Dir; 2] = [Dir::ClientToServer, Dir::ServerToClient];

    pub fn flip(self) -> Dir {
        match self {
            Dir::ClientToServer => Dir::ServerToClient,
            Dir::ServerToClient => Dir::ClientToServer,
        }
    }

    pub fn arrow(self) -> &'static str {
        match self {
            Dir::ClientToServer => "→",
            Dir::ServerToClient => "←",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dir::ClientToServer => "client_to_server",
            Dir::ServerToClient => "server_to_client",
        }
    }

    fn idx(self) -> usize {
        match self {
            Dir::ClientToServer => 0,
            Dir::ServerToClient => 1,
        }
    }
}

/// One value per direction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PerDir<T>(pub [T; 2]);

impl<T> PerDir<T> {
    pub fn new(c2s: T, s2c: T) -> Self {
        PerDir([c2s, s2c])
    }

    pub fn pair_mut(&mut self) -> (&mut T, &mut T) {
        let [a, b] = &mut self.0;
        (a, b)
    }
}

impl<T> Index<Dir> for PerDir<T> {
    type Output = T;
    fn index(&self, d: Dir) -> &T {
        &self.0[d.idx()]
    }
}

impl<T> IndexMut<Dir> for PerDir<T> {
    fn index_mut(&mut self, d: Dir) -> &mut T {
        &mut self.0[d.idx()]
    }
}
