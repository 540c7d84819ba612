// Hardens this process's JavaScript intrinsics (SES lockdown, through
// @endo/init) before any SwingSet module loads: SwingSet's modules call
// harden() at their top level. Import this first in every entry point.

import '@endo/init';
