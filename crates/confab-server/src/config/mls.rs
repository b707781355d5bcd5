//! Settings of end-to-end encrypted rooms: how many MLS key packages a device keeps
//! on the server, and when it is told to upload more.

use clap::Args;

/// End-to-end encryption (MLS).
#[derive(Clone, Debug, Args)]
pub struct MlsConfig {
    /// Most one-time MLS key packages one device may keep on the server
    ///
    /// An upload that would go past it is refused as a whole (`invalid_input`).
    /// Each key package is a few hundred bytes; one is used up each time someone
    /// adds the device to an encrypted room.
    #[arg(
        long = "mls-max-key-packages",
        env = "CONFAB_MLS_MAX_KEY_PACKAGES",
        value_name = "N",
        default_value_t = 100,
        value_parser = clap::value_parser!(u32).range(1..=10_000)
    )]
    pub max_key_packages: u32,

    /// A device is told to upload more key packages when a claim leaves it fewer
    /// one-time ones than this
    ///
    /// The warning is the WebSocket frame `mls_key_packages_low`. Once they run out,
    /// claims hand out the device's last-resort key package.
    #[arg(
        long = "mls-key-packages-low",
        env = "CONFAB_MLS_KEY_PACKAGES_LOW",
        value_name = "N",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(0..=10_000)
    )]
    pub key_packages_low: u32,
}
