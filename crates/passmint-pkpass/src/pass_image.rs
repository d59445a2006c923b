//! [`PassImage`]: the bytes of one image file, shared with their SHA-1.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// The bytes of a PNG file, shared: clones are cheap and share the SHA-1 that the
/// manifest needs, computed on first use. Keep the images of a template as
/// `PassImage`s and clone them into each pass's spec, and each image is hashed
/// once instead of once per pass.
#[derive(Clone, Default)]
pub struct PassImage(Arc<ImageData>);

#[derive(Default)]
struct ImageData {
    bytes: Vec<u8>,
    sha1: OnceLock<[u8; 20]>,
}

impl PassImage {
    /// An image from the PNG file's bytes.
    pub fn new(png: impl Into<Vec<u8>>) -> Self {
        PassImage(Arc::new(ImageData {
            bytes: png.into(),
            sha1: OnceLock::new(),
        }))
    }

    /// The PNG file's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0.bytes
    }

    /// SHA-1 of the bytes, computed once and shared by all clones.
    pub fn sha1(&self) -> [u8; 20] {
        *self
            .0
            .sha1
            .get_or_init(|| openssl::sha::sha1(&self.0.bytes))
    }
}

impl From<Vec<u8>> for PassImage {
    fn from(png: Vec<u8>) -> Self {
        PassImage::new(png)
    }
}

impl From<&[u8]> for PassImage {
    fn from(png: &[u8]) -> Self {
        PassImage::new(png)
    }
}

impl Deref for PassImage {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for PassImage {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for PassImage {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.as_bytes() == other.as_bytes()
    }
}

impl Eq for PassImage {}

impl fmt::Debug for PassImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PassImage({} bytes)", self.0.bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_images_share_bytes_and_hash() {
        let image = PassImage::from(vec![1, 2, 3]);
        let copy = image.clone();
        assert_eq!(copy.sha1(), openssl::sha::sha1(&[1, 2, 3]));
        assert!(image.0.sha1.get().is_some(), "clones share the cached hash");
        assert_eq!(image, PassImage::from(&[1u8, 2, 3][..]));
        assert_ne!(image, PassImage::from(vec![1, 2]));
        assert_eq!(&*image, &[1, 2, 3]);
        assert_eq!(format!("{image:?}"), "PassImage(3 bytes)");
    }
}
