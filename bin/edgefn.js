#!/usr/bin/env node
import '../dist/edgefn.js';
