// Package blobsink writes the Key Vault emulator's log records to Azure
// Storage append blobs in Azure Monitor's archive layout, the way a
// diagnostic setting archives them to a storage account. It works against
// Azurite, and lives apart from internal/kvemu so that the emulator itself
// links no storage client.
package blobsink

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/appendblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/honeyvault/honeyvault/internal/kvemu"
)

// Sink appends records as JSON lines to hourly append blobs in a storage
// account, in Azure Monitor's archive layout (see kvemu.ArchivePath). The
// caller owns Client.
type Sink struct {
	Client *azblob.Client

	mu    sync.Mutex
	ready map[string]bool // containers and blobs known to exist
}

// New makes a sink writing through c.
func New(c *azblob.Client) *Sink { return &Sink{Client: c, ready: map[string]bool{}} }

// Write implements kvemu.Sink.
func (s *Sink) Write(ctx context.Context, b kvemu.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, blob := range b.ArchiveBlobs() {
		if err := s.ensure(ctx, blob.Container, blob.Name); err != nil {
			return err
		}
		ab := s.Client.ServiceClient().NewContainerClient(blob.Container).NewAppendBlobClient(blob.Name)
		if _, err := ab.AppendBlock(ctx, streaming.NopCloser(bytes.NewReader(blob.Lines)), nil); err != nil {
			return fmt.Errorf("blobsink: append to %s/%s: %w", blob.Container, blob.Name, err)
		}
	}
	return nil
}

// ensure creates the container and the append blob unless they exist. An
// existing blob is never replaced: Create runs with If-None-Match: *.
func (s *Sink) ensure(ctx context.Context, container, name string) error {
	if s.ready == nil {
		s.ready = map[string]bool{}
	}
	if !s.ready[container] {
		_, err := s.Client.CreateContainer(ctx, container, nil)
		if err != nil && !bloberror.HasCode(err, bloberror.ContainerAlreadyExists) {
			return fmt.Errorf("blobsink: create container %s: %w", container, err)
		}
		s.ready[container] = true
	}
	key := container + "/" + name
	if s.ready[key] {
		return nil
	}
	any := azcore.ETagAny
	_, err := s.Client.ServiceClient().NewContainerClient(container).NewAppendBlobClient(name).Create(ctx, &appendblob.CreateOptions{
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &any}},
	})
	if err != nil && !bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) {
		return fmt.Errorf("blobsink: create %s: %w", key, err)
	}
	s.ready[key] = true
	return nil
}
