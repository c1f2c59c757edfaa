package models

// MarksSQL is marksSQL for the plan test in package models_test.
var MarksSQL = marksSQL
