package main

// Reports cut their days in the time zone the reader names (an IANA name): the binary
// carries the time zone database, so that it needs none on the machine it runs on.
import _ "time/tzdata"
