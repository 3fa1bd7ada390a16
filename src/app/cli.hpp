// The command line: tonearm serve | migrate | --help | --version.
#pragma once

namespace tonearm::app {

int run_cli(int argc, char** argv);

}  // namespace tonearm::app
