// The directory's filters sit in a <details> (data-module="app-filter"), which the server sends folded on a
// phone once there are results, so that the results come first. Where the grid puts the filters beside the
// results (GOV.UK's tablet breakpoint and up) there is room for both: keep them open and hide the toggle.
// Without JavaScript the <details> still works; it is only one click more on a wide screen.
const BESIDE = '(min-width: 40.0625em)'

export function initFilters (root = document) {
  const beside = window.matchMedia(BESIDE)
  for (const details of root.querySelectorAll('details[data-module="app-filter"]')) {
    const foldedOnPhone = !details.open
    const fit = () => {
      details.classList.toggle('app-filter--beside', beside.matches)
      details.open = beside.matches || !foldedOnPhone
    }
    fit()
    beside.addEventListener('change', fit)
  }
}
