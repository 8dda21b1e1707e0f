// Starts every GOV.UK Frontend component on the page (error summary focus, exit this page,
// service navigation menu, password reveal...). Loaded as a module, so old browsers that cannot
// run it get the plain, still usable, HTML.
import { initAll } from './govuk-frontend.min.js'
import { initFilters } from './filter.mjs'

initAll()
initFilters()
