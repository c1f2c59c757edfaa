package models

// MarksSQL is marksSQL for the plan test in package models_test.
var MarksSQL = marksSQL

// HitRate is hitRate for the rate limiter's tests in package models_test.
var HitRate = hitRate
