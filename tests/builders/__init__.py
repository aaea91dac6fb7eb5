"""Test evidence, built one way: `stage.Stage` assembles every `Evidence` (typed as the collectors type it);
`incident` is the planted-secrets Lambda-timeout incident the bundle and report tests share, built with it."""
