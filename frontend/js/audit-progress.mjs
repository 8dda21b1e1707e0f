// The audit's progress page without waiting for a reload: asks the run's status (JSON) every two seconds,
// updates the words and the progress bar, and reloads the page once the run has finished or failed.
// Without JavaScript the page refreshes itself (a meta refresh inside <noscript>), so this is only smoother.
const box = document.getElementById('audit-progress')

if (box) {
  const text = box.querySelector('[data-progress-text]')
  const bar = box.querySelector('[data-progress-bar]')
  const url = box.dataset.statusUrl

  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      if (response.ok) {
        const status = await response.json()
        if (status.done) {
          window.location.reload()
          return
        }
        const step = status.current_step ? `: ${status.current_step}` : ''
        text.textContent = `${status.state_label}${step}. ${status.steps_done} of ${status.steps_total} steps done (${status.percent}%).`
        bar.max = status.steps_total
        bar.value = status.steps_done
        bar.textContent = `${status.percent}%`
      }
    } catch (error) {
      // A dropped connection: try again on the next tick.
    }
    window.setTimeout(tick, 2000)
  }
  window.setTimeout(tick, 2000)
}
