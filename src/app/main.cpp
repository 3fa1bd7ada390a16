// tonearm: entry point.
#include "cli.hpp"

int main(int argc, char** argv) { return tonearm::app::run_cli(argc, argv); }
