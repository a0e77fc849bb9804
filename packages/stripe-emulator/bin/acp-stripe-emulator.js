#!/usr/bin/env node
// The `acp-stripe-emulator` command: the built entry. A file of its own, in the repository, so that installing the workspace
// links the command before anything is built (no "Failed to create bin" warning).
import '../dist/cli.js';
