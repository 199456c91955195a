// platform.h: V8's default platform with ssrd's page cache in front of its
// page allocator (see pagecache.h for why). Internal to src/engine/.
#ifndef SSRD_ENGINE_PLATFORM_H
#define SSRD_ENGINE_PLATFORM_H

#include <libplatform/libplatform.h>
#include <v8.h>

#include <cstring>
#include <memory>

extern "C" {
#include "engine/pagecache.h"
}

// Serves V8's data pages from ssrd__pagecache (see pagecache.h for why) and
// forwards everything else to the default allocator.
class CachingPageAllocator final : public v8::PageAllocator
{
    public:
	explicit CachingPageAllocator(v8::PageAllocator *os)
	    : os_(os)
	{
	}
	size_t AllocatePageSize() override
	{
		return os_->AllocatePageSize();
	}
	size_t CommitPageSize() override
	{
		return os_->CommitPageSize();
	}
	void SetRandomMmapSeed(int64_t seed) override
	{
		os_->SetRandomMmapSeed(seed);
	}
	void *GetRandomMmapAddr() override
	{
		return os_->GetRandomMmapAddr();
	}
	void *AllocatePages(void *hint, size_t length, size_t alignment,
	    Permission access) override
	{
		// V8 reserves a heap chunk as kNoAccess and commits it with
		// SetPermissions(kReadWrite) straight after. A cached region is
		// handed out already read-write: setting kNoAccess would make
		// the OS discard its pages (madvise), and faulting them back in
		// is the very cost the cache exists to avoid. Code pages
		// (RWX/RX) never come from the cache.
		if (access == kNoAccess || access == kReadWrite) {
			void *p = ssrd__pagecache_take(length, alignment);
			if (p != nullptr) {
				if (os_->SetPermissions(
				        p, length, kReadWrite)) {
					memset(p, 0,
					    length); // fresh mappings read as
					             // zero; so must this
					return p;
				}
				os_->FreePages(p, length);
			}
			ssrd__pagecache_miss();
		}
		return os_->AllocatePages(hint, length, alignment, access);
	}
	bool FreePages(void *address, size_t length) override
	{
		return ssrd__pagecache_put(address, length)
		    || os_->FreePages(address, length);
	}
	bool ReleasePages(
	    void *address, size_t length, size_t new_length) override
	{
		return os_->ReleasePages(address, length, new_length);
	}
	bool SetPermissions(
	    void *address, size_t length, Permission access) override
	{
		return os_->SetPermissions(address, length, access);
	}
	bool DiscardSystemPages(void *address, size_t size) override
	{
		return os_->DiscardSystemPages(address, size);
	}
	bool DecommitPages(void *address, size_t size) override
	{
		return os_->DecommitPages(address, size);
	}

    private:
	v8::PageAllocator *os_;
};

// The default platform (worker threads, task runners, tracing), with the
// caching allocator.
class SsrdPlatform final : public v8::Platform
{
    public:
	explicit SsrdPlatform(std::unique_ptr<v8::Platform> inner)
	    : inner_(std::move(inner))
	    , pages_(inner_->GetPageAllocator())
	{
	}
	v8::Platform *inner()
	{
		return inner_.get();
	}
	v8::PageAllocator *GetPageAllocator() override
	{
		return &pages_;
	}
	int NumberOfWorkerThreads() override
	{
		return inner_->NumberOfWorkerThreads();
	}
	std::shared_ptr<v8::TaskRunner> GetForegroundTaskRunner(
	    v8::Isolate *isolate) override
	{
		return inner_->GetForegroundTaskRunner(isolate);
	}
	void CallOnWorkerThread(std::unique_ptr<v8::Task> task) override
	{
		inner_->CallOnWorkerThread(std::move(task));
	}
	void CallBlockingTaskOnWorkerThread(
	    std::unique_ptr<v8::Task> task) override
	{
		inner_->CallBlockingTaskOnWorkerThread(std::move(task));
	}
	void CallLowPriorityTaskOnWorkerThread(
	    std::unique_ptr<v8::Task> task) override
	{
		inner_->CallLowPriorityTaskOnWorkerThread(std::move(task));
	}
	void CallDelayedOnWorkerThread(
	    std::unique_ptr<v8::Task> task, double delay) override
	{
		inner_->CallDelayedOnWorkerThread(std::move(task), delay);
	}
	bool IdleTasksEnabled(v8::Isolate *isolate) override
	{
		return inner_->IdleTasksEnabled(isolate);
	}
	std::unique_ptr<v8::JobHandle> PostJob(v8::TaskPriority priority,
	    std::unique_ptr<v8::JobTask> job_task) override
	{
		return inner_->PostJob(priority, std::move(job_task));
	}
	double MonotonicallyIncreasingTime() override
	{
		return inner_->MonotonicallyIncreasingTime();
	}
	double CurrentClockTimeMillis() override
	{
		return inner_->CurrentClockTimeMillis();
	}
	v8::TracingController *GetTracingController() override
	{
		return inner_->GetTracingController();
	}

    private:
	std::unique_ptr<v8::Platform> inner_;
	CachingPageAllocator          pages_;
};

#endif
